// A link with data-dialog-open="<id>" leads to a confirmation page; with JavaScript the same
// question opens in place, in that <dialog>. Inside it, [data-dialog-close] ("Back") closes it.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-dialog-open]").forEach((opener) => {
    const dialog = document.getElementById(opener.dataset.dialogOpen);
    if (!dialog || typeof dialog.showModal !== "function") return;
    opener.addEventListener("click", (event) => {
      event.preventDefault();
      if (dialog.open) dialog.close();
      dialog.showModal();
      // Start on "Back", not in a text field: no keyboard popping up, and Enter does not cancel.
      const back = dialog.querySelector("[data-dialog-close]");
      if (back) back.focus();
    });
    dialog.querySelectorAll("[data-dialog-close]").forEach((closer) => {
      closer.addEventListener("click", (event) => {
        event.preventDefault();
        dialog.close();
        opener.focus();
      });
    });
  });
});
