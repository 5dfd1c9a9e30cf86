// "Copy link" on the holder's page (a separate file: the CSP allows no inline script).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.querySelector(button.dataset.copy);
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand("copy");
  }
  const done = button.closest("section").querySelector(".copy-done");
  if (done) done.hidden = false;
});
