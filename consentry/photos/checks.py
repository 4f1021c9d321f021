"""A face detector setting that cannot work is reported at start-up, not at the first photo."""

from django.core import checks

from consentry.imaging.detect import DETECTOR_VARIABLE, configured_detector, detector_class


@checks.register()
def face_detector(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The web app, the worker and `consentry blur` all read CONSENTRY_FACE_DETECTOR; a
    name that loads nothing would fail every upload's detection, so refuse to start."""
    try:
        detector_class(configured_detector())
    except (ValueError, ImportError) as exc:
        return [checks.Error(f"{DETECTOR_VARIABLE}: {exc}", id="photos.E001")]
    return []
