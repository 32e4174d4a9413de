// The calendar grid, enhanced: every link and form works without this file.
// - An empty time opens its "book here / block" choice in a dialog instead of a new page.
// - An appointment opens a small popover (open it, move it).
// - With a mouse, an appointment is dragged to another time or professional: the drop posts the
//   move form (JSON answer); a refusal is said and the block goes back to its place.
(() => {
  const grid = document.querySelector(".cal");
  if (!grid) return;
  const scroller = document.getElementById("calendar");
  const dialog = document.getElementById("cal-dialog");
  const notice = document.getElementById("cal-notice");
  const label = (name) => grid.dataset[name] || "";
  const minute = () => {
    const cell = grid.querySelector(".cal-cell");
    const rowMinutes = Number(getComputedStyle(grid).getPropertyValue("--row-min")) || 15;
    return cell ? cell.getBoundingClientRect().height / rowMinutes : 1;
  };
  const SNAP = 5;
  const pad = (n) => String(n).padStart(2, "0");

  // A wide screen has room for the filters: open them (a phone keeps the grid higher up).
  const filters = document.querySelector(".cal-filter-box");
  if (filters && window.matchMedia("(min-width: 48rem)").matches) filters.open = true;

  // The line of now moves with the clock while the page stays open.
  const nowLine = grid.querySelector(".cal-now");
  if (nowLine) {
    const last = Number(grid.style.getPropertyValue("--len"));
    setInterval(() => {
      const at = Number(nowLine.style.getPropertyValue("--at")) + 1;
      if (at >= last) nowLine.remove();
      else nowLine.style.setProperty("--at", at);
    }, 60_000);
  }

  // Open the day where work is happening: now on today, else the first open time.
  const now = grid.querySelector(".cal-now");
  const firstOpen = grid.querySelector(".cal-cell.is-open");
  const target = now || firstOpen;
  if (target && scroller) {
    scroller.scrollTop = Math.max(0, target.offsetTop - 3 * minute() * 15);
  }

  function say(message, isError) {
    notice.hidden = false;
    notice.className = `cal-notice alert ${isError ? "alert-error" : "alert-success"}`;
    notice.setAttribute("role", isError ? "alert" : "status");
    notice.replaceChildren();
    message.forEach((line) => {
      const p = document.createElement("p");
      p.textContent = line;
      notice.append(p);
    });
    notice.scrollIntoView({ block: "nearest" });
  }

  function openDialog(nodes) {
    const close = document.createElement("button");
    close.type = "button";
    close.className = "button button-ghost button-small cal-dialog-close";
    close.textContent = label("labelClose");
    close.addEventListener("click", () => dialog.close());
    dialog.replaceChildren(close, ...nodes);
    dialog.showModal();
  }

  // --- An empty time: the choice page's content, inline ----------------------------------------
  grid.addEventListener("click", async (event) => {
    const cell = event.target.closest(".cal-cell");
    if (!cell || event.defaultPrevented || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    try {
      const response = await fetch(cell.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const choice = page.getElementById("slot-choice");
      if (!choice) throw new Error("no choice");
      openDialog([document.adoptNode(choice)]);
      const first = dialog.querySelector("select, input:not([type=hidden]), button[type=submit]");
      if (first) first.focus();
    } catch {
      window.location.href = cell.href;
    }
  });

  // --- An appointment: popover, or drag to move ------------------------------------------------
  function popover(block) {
    const title = document.createElement("h2");
    title.id = "cal-dialog-title";
    title.textContent = block.dataset.client;
    const lines = [
      `${block.dataset.time} · ${block.dataset.professionalName}`,
      block.dataset.service,
      block.querySelector(".cal-appt-status").textContent.trim(),
    ].map((text) => {
      const p = document.createElement("p");
      p.textContent = text;
      return p;
    });
    const actions = document.createElement("div");
    actions.className = "action-row";
    const open = document.createElement("a");
    open.className = "button";
    open.href = block.href;
    open.textContent = label("labelOpen");
    actions.append(open);
    if (block.dataset.movable) {
      const move = document.createElement("a");
      move.className = "button button-secondary";
      move.href = block.dataset.moveUrl;
      move.id = "popover-move";
      move.textContent = label("labelMove");
      actions.append(move);
    }
    openDialog([title, ...lines, actions]);
    open.focus();
  }

  let drag = null;
  let suppressClick = false;

  grid.addEventListener("click", (event) => {
    const block = event.target.closest(".cal-appt");
    if (!block || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    popover(block);
  }, true);

  // A link is natively draggable: that drag would swallow the pointer events this one needs.
  grid.addEventListener("dragstart", (event) => {
    if (event.target.closest && event.target.closest(".cal-appt")) event.preventDefault();
  });

  grid.addEventListener("pointerdown", (event) => {
    const block = event.target.closest(".cal-appt");
    // Touch scrolls the grid; a phone moves through the popover's "Move" link.
    if (!block || !block.dataset.movable || event.pointerType !== "mouse" || event.button !== 0) return;
    event.preventDefault(); // no text selection while dragging
    const rect = block.getBoundingClientRect();
    drag = { block, startX: event.clientX, startY: event.clientY, grabY: event.clientY - rect.top, moved: false };
  });

  function dropTarget(event) {
    const under = document.elementFromPoint(event.clientX, event.clientY);
    const column = under && under.closest(".cal-col");
    if (!column || !column.dataset.professional) return null;
    const top = event.clientY - drag.grabY - column.getBoundingClientRect().top;
    const first = Number(grid.dataset.firstMinute);
    const minutes = Math.max(0, Math.round(top / minute() / SNAP) * SNAP) + first;
    return { column, minutes, time: `${pad(Math.floor(minutes / 60) % 24)}:${pad(minutes % 60)}` };
  }

  document.addEventListener("pointermove", (event) => {
    if (!drag) return;
    if (!drag.moved && Math.hypot(event.clientX - drag.startX, event.clientY - drag.startY) < 6) return;
    event.preventDefault();
    if (!drag.moved) {
      drag.moved = true;
      drag.home = { parent: drag.block.parentNode, next: drag.block.nextSibling, style: drag.block.getAttribute("style") };
      drag.block.classList.add("is-dragging");
      drag.tag = document.createElement("span");
      drag.tag.className = "cal-drop-time";
    }
    const target = dropTarget(event);
    if (!target) return;
    const at = target.minutes - Number(grid.dataset.firstMinute);
    if (drag.block.parentNode !== target.column) target.column.append(drag.block);
    drag.block.style.setProperty("--at", at);
    drag.block.style.setProperty("--lane", 0);
    drag.block.style.setProperty("--lanes", 1);
    drag.tag.textContent = target.time;
    drag.tag.style.top = `calc(${at} * var(--minute) - 1.2rem)`;
    target.column.append(drag.tag);
    drag.target = target;
  });

  function putBack(state) {
    state.block.classList.remove("is-dragging", "is-saving");
    state.block.setAttribute("style", state.home.style);
    state.home.parent.insertBefore(state.block, state.home.next);
  }

  async function move(state, outsideHours) {
    const body = new FormData();
    body.append("date", state.target.column.dataset.day);
    body.append("time", state.target.time);
    body.append("professional", state.target.column.dataset.professional);
    if (outsideHours) body.append("outside_hours", "on");
    // Every page has a form with the token (the header's log-out form); the cookie may be HttpOnly.
    const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    const response = await fetch(state.block.dataset.moveUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
    });
    return { status: response.status, answer: await response.json() };
  }

  document.addEventListener("pointerup", async () => {
    if (!drag) return;
    const state = drag;
    drag = null;
    if (!state.moved) return;
    suppressClick = true;
    setTimeout(() => { suppressClick = false; }, 0);
    state.tag.remove();
    if (!state.target) {
      putBack(state);
      return;
    }
    state.block.classList.remove("is-dragging");
    state.block.classList.add("is-saving");
    say([label("labelMoving")], false);
    try {
      let { status, answer } = await move(state, false);
      // Outside working hours or in a blocked time: ask, then move it as a squeeze-in.
      if (answer.squeeze_in && window.confirm(`${answer.detail}\n\n${label("labelSqueeze")}`)) {
        ({ status, answer } = await move(state, true));
      }
      if (answer.ok) {
        say([answer.detail], false);
        window.location.reload();
        return;
      }
      const lines = [answer.detail || label("labelFailed")];
      if (answer.conflicts && answer.conflicts.length) {
        lines.push(label("labelAlready"), ...answer.conflicts.map((row) => `${row.time} · ${row.client_name}`));
      }
      putBack(state);
      say(lines, true);
    } catch {
      putBack(state);
      say([label("labelFailed")], true);
    }
  });
})();
