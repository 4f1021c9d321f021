// The register's Print button (an external script: the CSP allows no inline ones).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
