// The Print button on printable pages: shown only when JavaScript runs (without it, the page
// tells people to use the browser's own Print command). Loaded as a file: the CSP forbids
// inline scripts.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
