// A little help on the public booking pages; every form also works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Selects and date pickers inside [data-autosubmit] forms submit as soon as they change.
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
    form.querySelectorAll("select, input[type=date]").forEach((input) => {
      input.addEventListener("change", () => form.submit());
    });
  });
  // Choosing a time moves the focus to the first field to fill in.
  document.querySelectorAll(".slot input[type=radio]").forEach((radio) => {
    radio.addEventListener("change", () => {
      const next = radio.form.querySelector("input[name=client_name]");
      if (next) next.focus({ preventScroll: false });
    });
  });
  // Avoid a double booking from a double tap: disable the button once the form is sent.
  document.querySelectorAll("form[method=post]").forEach((form) => {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (button) setTimeout(() => { button.disabled = true; }, 0);
    });
  });
});
