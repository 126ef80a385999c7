// The class's dashboard. Everything a learner sent is put on the page as text (textContent),
// never as markup; the page reads the room by long polling (a read waits on the server until
// something changes), with a short pause between reads.
"use strict";

const PAUSE_MS = 250;
const KEY_ITEM = "tutor-class-key";
let key = null;
let latest = null;          // the last room (or learner) read
let clockOffset = 0;        // the server's clock minus this browser's

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function minutes(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const m = Math.floor(seconds / 60);
  return m < 1 ? `${Math.floor(seconds)}s` : `${m} min`;
}

function serverNow() { return Date.now() / 1000 + clockOffset; }

async function api(path, options) {
  const response = await fetch(path, Object.assign({
    headers: {"Authorization": `Bearer ${key}`, "Content-Type": "application/json"},
    cache: "no-store",
  }, options || {}));
  if (response.status === 403) throw Object.assign(new Error("key"), {status: 403});
  if (!response.ok) throw new Error(`${response.status}`);
  return response;
}

function setConnection(text) { document.getElementById("connection").textContent = text; }

// --- the key --------------------------------------------------------------------------

function takeKey() {
  const match = location.hash.match(/key=([A-Za-z0-9_-]+)/);
  if (match) {
    localStorage.setItem(KEY_ITEM, match[1]);
    history.replaceState(null, "", location.pathname + location.search);  // off the screen
  }
  return localStorage.getItem(KEY_ITEM);
}

function askKey(problem) {
  document.getElementById("keyform").hidden = false;
  document.getElementById("roompage").hidden = true;
  document.getElementById("learnerpage").hidden = true;
  document.getElementById("keyerror").textContent = problem || "";
}

// --- the room -------------------------------------------------------------------------

function cellFor(row, lessonId, stepNumber) {
  const done = (row.done[lessonId] || []).includes(stepNumber);
  const here = row.lesson === lessonId && row.step === stepNumber && !row.left;
  const cell = el("span", {class: "cell"});
  if (here) {
    const onStep = row.step_since !== null ? serverNow() - row.step_since : null;
    cell.classList.add(row.hand ? "hand" : (row.stuck || onStep >= latest.stuck_after
                                            ? "stuck" : "current"));
    cell.textContent = onStep !== null ? String(Math.floor(onStep / 60)) : "";
    cell.title = `${lessonId} step ${stepNumber}: on it for ${minutes(onStep)}`;
  } else if (done) {
    cell.classList.add("done");
    cell.title = `${lessonId} step ${stepNumber}: done`;
  } else {
    cell.title = `${lessonId} step ${stepNumber}`;
  }
  return cell;
}

function whoCell(row) {
  const cell = el("td", {class: "who"});
  const link = el("a", {class: "name", href: `/learner/${encodeURIComponent(row.id)}`,
                        text: row.name});
  cell.append(link);
  if (row.hand) {
    cell.append(" ✋");
    const lower = el("button", {class: "lower", type: "button", text: "Lower hand"});
    lower.addEventListener("click", () => api(`/api/learners/${row.id}/lower-hand`,
                                              {method: "POST", body: "{}"}));
    cell.append(lower);
    if (row.hand.message) cell.append(el("span", {class: "message", text: row.hand.message}));
  }
  let where = "not started";
  if (row.left) where = "left the class";
  else if (row.lesson && row.step === null) where = `${row.lesson}: lesson complete`;
  else if (row.lesson) {
    const onStep = serverNow() - row.step_since;
    where = `${row.lesson} · step ${row.step}: ${row.title} · ${minutes(onStep)}`;
  }
  cell.append(el("span", {class: "where", text: where}));
  return cell;
}

function drawRoom() {
  const data = latest;
  document.getElementById("join").textContent =
    `Join: tutor start --class ${location.origin} --code ${data.code}`;
  const lessonHeads = document.getElementById("lesson-heads");
  const stepHeads = document.getElementById("step-heads");
  clear(lessonHeads); clear(stepHeads);
  lessonHeads.append(el("th", {class: "who", text: `${data.learners.length} learner(s)`}));
  stepHeads.append(el("th", {class: "who"}));
  data.course.forEach((lesson, number) => {
    lessonHeads.append(el("th", {class: "lesson", colspan: String(lesson.steps.length),
                                 title: lesson.title, text: `${number + 1}`}));
    lesson.steps.forEach((title, index) => {
      stepHeads.append(el("th", {class: index === 0 ? "lesson" : "", title, text: index + 1}));
    });
  });
  const rows = document.getElementById("rows");
  clear(rows);
  for (const row of data.learners) {
    const line = el("tr", {class: "learner", "data-learner": row.id});
    if (row.hand) line.classList.add("hand-up");
    if (row.left) line.classList.add("gone");
    line.append(whoCell(row));
    data.course.forEach((lesson) => {
      lesson.steps.forEach((_, index) => {
        const td = el("td", {class: index === 0 ? "first" : ""});
        td.append(cellFor(row, lesson.id, index + 1));
        line.append(td);
      });
    });
    rows.append(line);
  }
  document.getElementById("empty").hidden = data.learners.length > 0;
  const now = document.getElementById("target-now");
  now.textContent = data.target
    ? `The room is at ${data.target.lesson}, step ${data.target.step}.` : "";
}

function fillControls(course) {
  const lessons = document.getElementById("target-lesson");
  if (lessons.options.length) return;
  course.forEach((lesson, number) => {
    lessons.append(el("option", {value: lesson.id, text: `${number + 1}. ${lesson.title}`}));
  });
  const steps = document.getElementById("target-step");
  const fill = () => {
    clear(steps);
    const lesson = course.find((entry) => entry.id === lessons.value);
    (lesson ? lesson.steps : []).forEach((title, index) => {
      steps.append(el("option", {value: String(index + 1), text: `${index + 1}. ${title}`}));
    });
  };
  lessons.addEventListener("change", fill);
  fill();
  document.getElementById("target-set").addEventListener("click", () => api("/api/target", {
    method: "POST",
    body: JSON.stringify({lesson: lessons.value, step: Number(steps.value)}),
  }));
  document.getElementById("target-clear").addEventListener("click", () => api("/api/target", {
    method: "POST", body: JSON.stringify({lesson: null}),
  }));
}

// --- one learner ------------------------------------------------------------------------

function drawLearner() {
  const data = latest;
  const row = data.learner;
  document.getElementById("learner-name").textContent = row.name;
  document.title = `${row.name}: migration tutor`;
  let where = "not started";
  if (row.left) where = "left the class";
  else if (row.lesson && row.step === null) where = `${row.lesson}: lesson complete`;
  else if (row.lesson) where = `${row.lesson}, step ${row.step}: ${row.title}, for `
                               + minutes(serverNow() - row.step_since);
  document.getElementById("learner-where").textContent = where;
  document.getElementById("learner-address").textContent =
    data.address ? `Joined from ${data.address}.` : "";
  document.getElementById("learner-hand").textContent = row.hand
    ? `Hand raised ${minutes(serverNow() - row.hand.at)} ago${row.hand.message
        ? `: ${row.hand.message}` : ""}` : "";
  const check = row.last_check;
  document.getElementById("learner-check").textContent = !check ? "No check yet."
    : `${check.passed ? "Passed" : "Not yet"}, ${minutes(serverNow() - check.at)} ago`
      + ` (${check.lesson || ""}).`;
  const unmet = document.getElementById("learner-unmet");
  clear(unmet);
  for (const text of (check && !check.passed ? check.unmet : [])) {
    unmet.append(el("li", {text}));
  }
  const state = data.state || {migrations: {}, tables: {}, problem: null};
  const migrations = document.getElementById("learner-migrations");
  clear(migrations);
  if (state.problem) migrations.append(el("p", {class: "error", text: state.problem}));
  if (!Object.keys(state.migrations).length) {
    migrations.append(el("p", {class: "muted", text: data.state ? "No migration files." : "-"}));
  }
  for (const [app, list] of Object.entries(state.migrations)) {
    const table = el("table", {class: "migrations"},
                     el("tr", {}, el("th", {text: app}), el("th", {text: "applied"})));
    for (const [name, applied] of list) {
      table.append(el("tr", {}, el("td", {text: name}), el("td", {text: applied ? "[X]" : "[ ]"})));
    }
    migrations.append(table);
  }
  const tables = document.getElementById("learner-tables");
  clear(tables);
  for (const [name, columns] of Object.entries(state.tables)) {
    tables.append(el("p", {}, el("code", {text: name}), ": ", columns.join(", ")));
  }
  if (!Object.keys(state.tables).length) tables.append(el("p", {class: "muted", text: "-"}));
  const timeline = document.getElementById("learner-timeline");
  clear(timeline);
  for (const event of data.timeline) {
    const when = new Date(event.at * 1000).toLocaleTimeString();
    timeline.append(el("li", {text: `${when} ${describe(event)}`}));
  }
}

function describe(event) {
  const where = event.lesson ? ` (${event.lesson}${event.step ? ` step ${event.step}` : ""})` : "";
  const d = event.detail || {};
  switch (event.kind) {
    case "check": return d.passed_steps && d.passed_steps.length
      ? `passed step ${d.passed_steps.join(", ")} (${event.lesson})` : `checked: not yet${where}`;
    case "hint": return `hint ${d.number}${d.total ? `/${d.total}` : ""}${where}`;
    case "solution": return (d.how === "carried_out" ? "let the tutor solve it" : "looked at the solution") + where;
    case "hand": return d.raised ? `raised a hand${d.message ? `: ${d.message}` : ""}` : "lowered the hand";
    case "step_shown": return `on the step${where}`;
    case "lesson_complete": return `completed the lesson${where}`;
    case "undo": return `undid ${d.count || 1} command(s)${where}`;
    case "answer": return `answered ${d.right ? "right" : "wrong"}${where}`;
    case "reset": return `reset the lesson${d.step > 1 ? ` at step ${d.step}` : ""}${where}`;
    default: return event.kind.replace("_", " ") + where;
  }
}

// --- reading, again and again -------------------------------------------------------------

async function follow(path, draw) {
  let version = "";
  for (;;) {
    try {
      const response = await api(`${path}?since=${encodeURIComponent(version)}`);
      latest = await response.json();
      clockOffset = latest.now - Date.now() / 1000;
      version = latest.version;
      setConnection("");
      document.getElementById("keyform").hidden = true;
      draw();
    } catch (error) {
      if (error.status === 403) { askKey("That key is not this class's key."); return; }
      setConnection("The class server cannot be reached; trying again…");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
}

function setUpPage() {
  const big = document.getElementById("big");
  const setBig = (on) => {
    document.body.classList.toggle("big", on);
    big.setAttribute("aria-pressed", String(on));
    localStorage.setItem("tutor-class-big", on ? "1" : "");
  };
  setBig(new URLSearchParams(location.search).has("big")
         || localStorage.getItem("tutor-class-big") === "1");
  big.addEventListener("click", () => setBig(!document.body.classList.contains("big")));
  document.getElementById("export").addEventListener("click", async () => {
    const response = await api("/api/export.csv");
    const link = el("a", {href: URL.createObjectURL(await response.blob()),
                          download: `class-${new Date().toISOString().slice(0, 10)}.csv`});
    document.body.append(link);
    link.click();
    link.remove();
  });
  document.getElementById("keyentry").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(KEY_ITEM, document.getElementById("keyinput").value.trim());
    location.reload();
  });
  // The clock ticks between reads: minutes on a step go on counting.
  setInterval(() => { if (latest) (latest.learner ? drawLearner : drawRoom)(); }, 5000);
}

// Removing a learner (someone filling the room's seats): asked, then confirmed.
function setUpRemove(learnerId) {
  const ask = document.getElementById("remove-ask");
  const confirmation = document.getElementById("remove-confirm");
  ask.addEventListener("click", () => { ask.hidden = true; confirmation.hidden = false; });
  document.getElementById("remove-no").addEventListener("click", () => {
    ask.hidden = false; confirmation.hidden = true;
  });
  document.getElementById("remove-yes").addEventListener("click", async () => {
    try {
      await api(`/api/learners/${encodeURIComponent(learnerId)}/remove`,
                {method: "POST", body: "{}"});
      location.href = "/";
    } catch (error) {
      document.getElementById("remove-error").textContent =
        `Not removed (${error.message}); try again.`;
    }
  });
}

function main() {
  setUpPage();
  key = takeKey();
  if (!key) { askKey(""); return; }
  const learner = location.pathname.match(/^\/learner\/([A-Za-z0-9]+)$/);
  if (learner) {
    document.getElementById("learnerpage").hidden = false;
    document.getElementById("export").hidden = true;
    setUpRemove(learner[1]);
    follow(`/api/learners/${learner[1]}`, drawLearner);
  } else {
    document.getElementById("roompage").hidden = false;
    follow("/api/room", () => { fillControls(latest.course); drawRoom(); });
  }
}

main();
