// Prompt recorder: microphone -> MediaRecorder -> POST /prompts, as recorded.
// The server converts every supported format (Chromium and Firefox record
// Opus in WebM or OGG, Safari AAC in MP4), so the browser sends the
// recording untouched and the server trims, normalises and resamples it.
(function () {
  "use strict";

  var section = document.getElementById("prompt-recorder");
  if (!section) return;
  var startButton = document.getElementById("record-start");
  var stopButton = document.getElementById("record-stop");
  var saveButton = document.getElementById("record-save");
  var nameInput = document.getElementById("record-name");
  var categoryInput = document.getElementById("record-category");
  var languageInput = document.getElementById("record-language");
  var preview = document.getElementById("record-preview");
  var status = document.getElementById("record-status");

  var recorder = null;
  var chunks = [];
  var recording = null;

  function say(state) {
    status.textContent = status.dataset[state] || state;
    status.dataset.state = state;
  }

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRF-Token"]) return headers["X-CSRF-Token"];
    } catch (ignored) { /* fall back to a form's hidden input */ }
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  // The server checks that a file's name matches its content: name the
  // upload after what MediaRecorder really produced (no extension if unsure).
  function extensionFor(mimeType) {
    var type = (mimeType || "").split(";")[0].trim();
    if (type === "audio/webm" || type === "video/webm") return ".webm";
    if (type === "audio/ogg") return ".ogg";
    if (type === "audio/mp4" || type === "video/mp4") return ".m4a";
    if (type === "audio/wav" || type === "audio/wave") return ".wav";
    return "";
  }

  async function start() {
    recording = null;
    saveButton.disabled = true;
    preview.hidden = true;
    var stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", function (event) {
      if (event.data && event.data.size) chunks.push(event.data);
    });
    recorder.addEventListener("stop", function () {
      stream.getTracks().forEach(function (track) { track.stop(); });
      recording = new Blob(chunks, { type: recorder.mimeType });
      preview.src = URL.createObjectURL(recording);
      preview.hidden = false;
      saveButton.disabled = false;
      say("ready");
    });
    recorder.start();
    startButton.disabled = true;
    stopButton.disabled = false;
    say("recording");
  }

  function stop() {
    if (recorder && recorder.state !== "inactive") recorder.stop();
    stopButton.disabled = true;
    startButton.disabled = false;
  }

  async function save() {
    if (!recording) return;
    var name = nameInput.value.trim();
    var form = new FormData();
    form.append("name", name);
    form.append("category", categoryInput.value);
    form.append("language", languageInput.value);
    form.append("source", "recording");
    form.append("file", recording, (name || "recording") + extensionFor(recording.type));
    saveButton.disabled = true;
    say("saving");
    // Answered like an htmx request: the prompts panel, listing the new
    // prompt or showing why it was refused (name, format...).
    var response = await fetch("/prompts", {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "HX-Request": "true" },
    });
    var panel = document.getElementById("prompts-panel");
    var html = await response.text();
    if (panel && html.indexOf('id="prompts-panel"') !== -1) {
      panel.outerHTML = html;
      var fresh = document.getElementById("prompts-panel");
      if (fresh && window.htmx) window.htmx.process(fresh);
    }
    if (response.ok) {
      say("saved");
    } else {
      say("failed");
      saveButton.disabled = false;
    }
  }

  function guard(action) {
    return function () {
      action().catch(function (error) {
        status.textContent = String(error);
        status.dataset.state = "failed";
        startButton.disabled = false;
        stopButton.disabled = true;
      });
    };
  }

  if (!navigator.mediaDevices || !window.MediaRecorder) {
    section.hidden = false;
    startButton.disabled = true;
    say("unsupported");
    return;
  }
  startButton.addEventListener("click", guard(start));
  stopButton.addEventListener("click", stop);
  saveButton.addEventListener("click", guard(save));
  section.hidden = false;
})();
