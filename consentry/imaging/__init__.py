"""The pure image engine: decode safely, find faces, anonymise them, encode without metadata.

It knows nothing of Django (no Django import anywhere in this package), so it can be used
by the web app, background tasks, the `consentry blur` command and the benchmark alike.
"""

from consentry.imaging.anonymise import MODES, Mode, anonymise
from consentry.imaging.decode import DecodedImage, Limits, decode_image
from consentry.imaging.detect import (
    DETECTORS,
    Detector,
    Face,
    RetinaFace,
    YuNet,
    default_detector,
    detector_named,
)
from consentry.imaging.encode import encode_jpeg, fit_within
from consentry.imaging.errors import ImageRejected
from consentry.imaging.pipeline import BlurredPhoto, blur_photo, find_faces, load, render
from consentry.imaging.video import (
    BlurredVideo,
    VideoInfo,
    VideoLimits,
    VideoRejected,
    blur_video,
    video_detector,
)

__all__ = [
    "DETECTORS",
    "MODES",
    "BlurredPhoto",
    "BlurredVideo",
    "DecodedImage",
    "Detector",
    "Face",
    "ImageRejected",
    "Limits",
    "Mode",
    "RetinaFace",
    "VideoInfo",
    "VideoLimits",
    "VideoRejected",
    "YuNet",
    "anonymise",
    "blur_video",
    "blur_photo",
    "decode_image",
    "default_detector",
    "detector_named",
    "encode_jpeg",
    "find_faces",
    "fit_within",
    "load",
    "render",
    "video_detector",
]
