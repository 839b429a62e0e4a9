// Earshot console: the writes (through the API at /app/v1/…, with the
// session's CSRF token) and the inbox's live updates. Text from the
// server's JSON is only ever set with textContent; HTML comes only from
// the server's own templates, which escape every value.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  async function call(method, url, body) {
    const opts = { method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf, Accept: "application/json" } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(url, opts);
    } catch (e) {
      return { ok: false, status: 0, data: { error: { message: "The server cannot be reached." } } };
    }
    if (resp.status === 401) {
      location.assign("/signin");
    }
    let data = {};
    try {
      data = await resp.json();
    } catch (e) {
      data = {};
    }
    return { ok: resp.ok, status: resp.status, data };
  }
  const api = (method, name, body) => call(method, "/app/v1/" + name, body);
  const errorMessage = (r) => (r.data && r.data.error && r.data.error.message) || "HTTP " + r.status;

  function flash(text) {
    const f = document.getElementById("flash");
    if (f) f.textContent = text;
  }

  function setText(el, text) {
    if (el) el.textContent = text;
  }

  // ---- Inbox: triage and live updates ----

  function scanTags(li) {
    return Array.from(li.querySelectorAll(".tags .tag span")).map((s) => s.textContent);
  }

  function renderTags(li, tags) {
    const ul = li.querySelector(".tags");
    ul.replaceChildren();
    for (const t of tags) {
      const item = document.createElement("li");
      item.className = "tag";
      const span = document.createElement("span");
      span.textContent = t;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link";
      b.dataset.untag = t;
      b.setAttribute("aria-label", "Remove tag " + t);
      b.textContent = "×";
      item.append(span, " ", b);
      ul.append(item);
    }
  }

  function showScan(li, scan) {
    li.className = "scan state-" + scan.state.toLowerCase();
    setText(li.querySelector('[data-role="state"]'), scan.state);
    for (const b of li.querySelectorAll("[data-set-state]")) b.disabled = b.dataset.setState === scan.state;
    renderTags(li, scan.tags || []);
  }

  async function patchScan(li, mask, body) {
    const err = li.querySelector('[data-role="error"]');
    setText(err, "");
    const r = await api("PATCH", li.dataset.name + "?updateMask=" + mask, body);
    if (!r.ok) {
      setText(err, errorMessage(r));
      return;
    }
    showScan(li, r.data);
    flash("Saved.");
  }

  const scans = document.getElementById("scans");
  if (scans) {
    scans.addEventListener("click", (ev) => {
      const li = ev.target.closest("li.scan");
      if (!li) return;
      const st = ev.target.closest("[data-set-state]");
      if (st) {
        patchScan(li, "state", { state: st.dataset.setState });
        return;
      }
      const un = ev.target.closest("[data-untag]");
      if (un) {
        patchScan(li, "tags", { tags: scanTags(li).filter((t) => t !== un.dataset.untag) });
      }
    });
    scans.addEventListener("submit", (ev) => {
      const form = ev.target.closest("[data-tag-form]");
      if (!form) return;
      ev.preventDefault();
      const li = form.closest("li.scan");
      const input = form.querySelector("input");
      const tag = input.value.trim();
      if (!tag) return;
      patchScan(li, "tags", { tags: scanTags(li).concat([tag]) }).then(() => {
        input.value = "";
      });
    });
  }

  const live = document.getElementById("live-status");
  if (live && scans && window.EventSource) {
    const es = new EventSource(live.dataset.events);
    es.addEventListener("scan", (ev) => {
      const tpl = document.createElement("template");
      tpl.innerHTML = ev.data; // rendered and escaped by the server's template
      const li = tpl.content.querySelector("li.scan");
      if (!li) return;
      const old = document.getElementById(li.id);
      if (old) old.replaceWith(li);
      else scans.prepend(li);
      document.getElementById("empty")?.remove();
      flash("New scan: " + (li.querySelector(".scan-title")?.textContent || "").trim());
    });
    es.addEventListener("signedout", () => {
      es.close();
      location.assign("/signin");
    });
    es.onerror = () => setText(live, "Live updates interrupted; reconnecting…");
    es.onopen = () => setText(live, "Live: new scans appear here as they are found.");
  }

  // ---- Monitors: enable/disable ----

  document.addEventListener("click", async (ev) => {
    const t = ev.target.closest("[data-toggle-enable]");
    if (!t) return;
    t.disabled = true;
    const r = await api("PATCH", t.dataset.manager + "?updateMask=enable", { enable: t.dataset.toggleEnable === "true" });
    if (!r.ok) {
      t.disabled = false;
      flash(errorMessage(r));
      return;
    }
    location.reload();
  });

  // ---- Monitor form ----

  function setPath(obj, path, value) {
    const parts = path.split(".");
    let o = obj;
    for (const p of parts.slice(0, -1)) o = o[p] = o[p] || {};
    o[parts[parts.length - 1]] = value;
  }

  // formBody reads the monitor form: the body of a create (empty fields
  // left out) and the paths it names, for an update's mask.
  function formBody(form) {
    const body = {};
    const paths = [];
    const seen = new Set();
    for (const el of form.querySelectorAll("[name]")) {
      if (el.matches(":disabled")) continue; // another source kind's fields
      const name = el.name;
      const kind = el.dataset.kind || "text";
      if (seen.has(name)) continue;
      seen.add(name);
      paths.push(name);
      let value;
      switch (kind) {
        case "bool":
          value = el.checked;
          break;
        case "list":
          value = el.value.split("\n").map((s) => s.trim()).filter((s) => s !== "");
          break;
        case "set":
          value = Array.from(form.querySelectorAll('[name="' + name + '"]:checked:enabled')).map((c) => c.value);
          break;
        case "notices":
          value = Array.from(form.querySelectorAll('[name="notices"]:checked')).map((c) => ({ type: "HTTP_REQUEST", connection: c.value }));
          break;
        case "number":
          if (el.value.trim() === "") continue;
          value = Number(el.value);
          if (Number.isNaN(value)) value = el.value; // the API says what is wrong
          break;
        default:
          if (el.value.trim() === "") continue;
          value = el.value.trim();
      }
      setPath(body, name, value);
    }
    return { body, paths };
  }

  function clearErrors(root) {
    for (const e of root.querySelectorAll(".field-error")) e.textContent = "";
    for (const e of root.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    const fe = root.querySelector("#form-error");
    if (fe) {
      fe.hidden = true;
      fe.textContent = "";
    }
  }

  // errorSlot finds where a field's error is shown: the field itself, or
  // the nearest enclosing one (notices[0].connection → notices).
  function errorSlot(field) {
    let f = field;
    while (f) {
      const el = Array.from(document.querySelectorAll("[data-err]")).find((e) => e.dataset.err === f && !e.matches("fieldset:disabled *"));
      if (el) return el;
      const stripped = f.replace(/\[\d+\]$/, "");
      if (stripped !== f) {
        f = stripped;
        continue;
      }
      const i = f.lastIndexOf(".");
      f = i > 0 ? f.slice(0, i) : "";
    }
    return null;
  }

  function showErrors(r, fallback) {
    const details = (r.data.error && r.data.error.details) || [];
    let shown = 0;
    let first = null;
    for (const d of details) {
      const slot = errorSlot(d.field);
      if (!slot) continue;
      slot.textContent = (slot.textContent ? slot.textContent + " " : "") + d.description;
      const wrap = slot.closest("[data-field]");
      const input = wrap && wrap.querySelector("input, select, textarea");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        first = first || input;
      }
      shown++;
    }
    if (shown < details.length || details.length === 0) {
      fallback.hidden = false;
      fallback.textContent = errorMessage(r);
    }
    if (first) first.focus();
  }

  const form = document.getElementById("monitor-form");
  const sourceSelect = form && form.querySelector("[data-source-select]");
  if (sourceSelect) {
    sourceSelect.addEventListener("change", () => {
      for (const fs of form.querySelectorAll("[data-source-kind]")) {
        const on = fs.dataset.sourceKind === sourceSelect.value;
        fs.disabled = !on;
        fs.hidden = !on;
      }
    });
  }
  if (form) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const { body, paths } = formBody(form);
      const ns = form.dataset.ns;
      let r;
      if (form.dataset.manager) {
        body.etag = form.dataset.etag;
        // The source is replaced whole: another kind's settings must not
        // stay behind when the platform changes.
        const mask = Array.from(new Set(paths.map((p) => (p.startsWith("source.") ? "source" : p))));
        r = await api("PATCH", form.dataset.manager + "?updateMask=" + encodeURIComponent(mask.join(",")), body);
      } else {
        const id = document.getElementById("f-id").value.trim();
        r = await api("POST", "namespaces/" + encodeURIComponent(ns) + "/managers" + (id ? "?managerId=" + encodeURIComponent(id) : ""), body);
      }
      if (!r.ok) {
        showErrors(r, document.getElementById("form-error"));
        return;
      }
      const id = r.data.name.split("/").pop();
      location.assign("/ns/" + encodeURIComponent(ns) + "/monitors/" + encodeURIComponent(id) + "?saved=1");
    });
  }
  if (new URLSearchParams(location.search).get("saved")) flash("Saved.");

  // ---- Try it ----

  const tryRun = document.getElementById("try-run");
  if (tryRun && form) {
    tryRun.addEventListener("click", async () => {
      clearErrors(document);
      const results = document.getElementById("try-results");
      const { body } = formBody(form);
      const r = await call("POST", "/ns/" + encodeURIComponent(tryRun.dataset.ns) + "/try", {
        manager: body,
        posts: document.getElementById("try-posts").value,
      });
      if (!r.ok) {
        results.hidden = true;
        const fe = document.getElementById("form-error");
        showErrors(r, fe);
        return;
      }
      const tbody = results.querySelector("tbody");
      tbody.replaceChildren();
      for (const x of r.data.results) {
        const tr = document.createElement("tr");
        tr.className = x.matched ? "matched" : "";
        for (const v of [x.text || x.id, x.matched ? "yes" : "no", x.score.toFixed(2), x.sentiment.toFixed(2), (x.reasons || []).join("; ")]) {
          const td = document.createElement("td");
          td.textContent = v;
          tr.append(td);
        }
        tbody.append(tr);
      }
      results.hidden = false;
      flash(r.data.results.filter((x) => x.matched).length + " of " + r.data.results.length + " posts would match.");
    });
  }

  // ---- Connections: test, rotate secret, retry, redrive ----

  function resultSlot(el) {
    return el.closest("tr, .actions")?.querySelector('[data-role="result"]') || document.getElementById("flash");
  }

  document.addEventListener("click", async (ev) => {
    const test = ev.target.closest("[data-test-connection]");
    const rotate = ev.target.closest("[data-rotate-secret]");
    const retry = ev.target.closest("[data-retry]");
    const redrive = ev.target.closest("[data-redrive]");
    const el = test || rotate || retry || redrive;
    if (!el) return;
    el.disabled = true;
    const out = redrive ? document.getElementById("redrive-result") : resultSlot(el);
    let r;
    if (test) {
      r = await api("POST", test.dataset.testConnection + ":test", {});
      if (r.ok) {
        const t = r.data;
        setText(out, t.success
          ? "Test delivered: HTTP " + t.statusCode + " in " + t.latencyMs + " ms" + (t.challengeEchoed ? ", challenge echoed." : ".")
          : "Test failed: " + (t.error || "HTTP " + t.statusCode));
      }
    } else if (rotate) {
      r = await api("POST", rotate.dataset.rotateSecret + ":rotateSecret", {});
      if (r.ok) setText(out, "New secret: " + r.data.secret + " (the old one signs too for 24 hours).");
    } else if (retry) {
      r = await api("POST", retry.dataset.retry + ":retry", {});
      if (r.ok) setText(out, "Retried: " + r.data.state);
    } else {
      r = await api("POST", redrive.dataset.redrive + ":redrive", {});
      if (r.ok) setText(out, r.data.redrivenCount + " redriven.");
    }
    el.disabled = false;
    if (!r.ok) setText(out, errorMessage(r));
  });
})();
