// Progressive enhancement of the dashboard's forms; every action also works without it.
(function () {
  "use strict";

  // Weekly hours: "closed" hides the day's times; "copy to every day" copies at once, unsaved.
  function setUpHours(form) {
    var days = Array.prototype.slice.call(form.querySelectorAll("[data-day]"));
    var status = form.querySelector("[data-hours-status]");

    function fieldsOf(day) {
      var prefix = "d" + day.getAttribute("data-day") + "_";
      var fields = {};
      day.querySelectorAll("input[name^='" + prefix + "']").forEach(function (input) {
        fields[input.name.slice(prefix.length)] = input;
      });
      return fields;
    }

    function showClosed(day) {
      var closed = fieldsOf(day).closed;
      day.classList.toggle("is-closed", Boolean(closed && closed.checked));
    }

    days.forEach(function (day) {
      showClosed(day);
      var closed = fieldsOf(day).closed;
      if (closed) {
        closed.addEventListener("change", function () { showClosed(day); });
      }
      var copy = day.querySelector("[data-copy-day]");
      if (!copy) {
        return;
      }
      copy.addEventListener("click", function (event) {
        event.preventDefault();
        var source = fieldsOf(day);
        days.forEach(function (other) {
          if (other === day) {
            return;
          }
          var target = fieldsOf(other);
          Object.keys(source).forEach(function (part) {
            if (!target[part]) {
              return;
            }
            if (source[part].type === "checkbox") {
              target[part].checked = source[part].checked;
            } else {
              target[part].value = source[part].value;
            }
          });
          showClosed(other);
        });
        if (status) {
          status.textContent = day.querySelector("legend").textContent + ": " + status.getAttribute("data-copied");
        }
      });
    });
  }

  // Who performs a service: ticking someone means "only these"; "the whole team" unticks everyone.
  function setUpPerformers(box) {
    var choices = box.querySelectorAll("input[name='performed_by']");
    var people = box.querySelectorAll("input[name='professional_ids']");

    function choose(value) {
      choices.forEach(function (radio) { radio.checked = radio.value === value; });
      box.classList.toggle("everyone", value === "everyone");
    }

    choices.forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (radio.checked && radio.value === "everyone") {
          people.forEach(function (person) { person.checked = false; });
        }
        box.classList.toggle("everyone", radio.checked && radio.value === "everyone");
      });
    });
    people.forEach(function (person) {
      person.addEventListener("change", function () {
        var anyone = Array.prototype.some.call(people, function (p) { return p.checked; });
        choose(anyone ? "chosen" : "everyone");
      });
    });
  }

  // Message texts: "Insert" puts the placeholder where the cursor is, in the text (or the
  // subject, when that was the last field typed in).
  function setUpInsert(button) {
    var form = button.closest("form");
    var area = document.getElementById(button.getAttribute("data-target"));
    if (!form || !area) {
      return;
    }
    if (!form.dataset.lastField) {
      form.dataset.lastField = area.id;
      form.addEventListener("focusin", function (event) {
        var field = event.target;
        if (field.id && (field.tagName === "TEXTAREA" || field.type === "text")) {
          form.dataset.lastField = field.id;
        }
      });
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.getElementById(form.dataset.lastField) || area;
      var text = button.getAttribute("data-insert");
      var start = typeof field.selectionStart === "number" ? field.selectionStart : field.value.length;
      var end = typeof field.selectionEnd === "number" ? field.selectionEnd : start;
      field.value = field.value.slice(0, start) + text + field.value.slice(end);
      field.focus();
      field.setSelectionRange(start + text.length, start + text.length);
    });
  }

  document.querySelectorAll("[data-hours]").forEach(setUpHours);
  document.querySelectorAll("[data-performers]").forEach(setUpPerformers);
  document.querySelectorAll("[data-insert]").forEach(setUpInsert);
})();
