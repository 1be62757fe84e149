// Prompt recorder: microphone -> MediaRecorder -> 8 kHz mono 16-bit WAV -> POST /prompts.
// The server accepts WAV only (PCM 16-bit, mono, 8000 Hz), so the recording
// is decoded and resampled here with an OfflineAudioContext before upload.
(function () {
  "use strict";

  var SAMPLE_RATE = 8000;
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
  var wavBlob = null;

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

  function encodeWav(samples) {
    var buffer = new ArrayBuffer(44 + samples.length * 2);
    var view = new DataView(buffer);
    function text(offset, value) {
      for (var i = 0; i < value.length; i++) view.setUint8(offset + i, value.charCodeAt(i));
    }
    text(0, "RIFF");
    view.setUint32(4, 36 + samples.length * 2, true);
    text(8, "WAVE");
    text(12, "fmt ");
    view.setUint32(16, 16, true); // fmt chunk size
    view.setUint16(20, 1, true); // PCM
    view.setUint16(22, 1, true); // mono
    view.setUint32(24, SAMPLE_RATE, true);
    view.setUint32(28, SAMPLE_RATE * 2, true); // byte rate
    view.setUint16(32, 2, true); // block align
    view.setUint16(34, 16, true); // bits per sample
    text(36, "data");
    view.setUint32(40, samples.length * 2, true);
    for (var i = 0; i < samples.length; i++) {
      var s = Math.max(-1, Math.min(1, samples[i]));
      view.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
    }
    return new Blob([buffer], { type: "audio/wav" });
  }

  async function toWav(recording) {
    var AudioCtx = window.AudioContext || window.webkitAudioContext;
    var decoder = new AudioCtx();
    try {
      var decoded = await decoder.decodeAudioData(await recording.arrayBuffer());
      var frames = Math.max(1, Math.ceil(decoded.duration * SAMPLE_RATE));
      // Rendering one channel at 8 kHz down-mixes and resamples in one go.
      var offline = new OfflineAudioContext(1, frames, SAMPLE_RATE);
      var source = offline.createBufferSource();
      source.buffer = decoded;
      source.connect(offline.destination);
      source.start();
      var rendered = await offline.startRendering();
      return encodeWav(rendered.getChannelData(0));
    } finally {
      decoder.close();
    }
  }

  async function start() {
    wavBlob = null;
    saveButton.disabled = true;
    preview.hidden = true;
    var stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", function (event) {
      if (event.data && event.data.size) chunks.push(event.data);
    });
    recorder.addEventListener("stop", async function () {
      stream.getTracks().forEach(function (track) { track.stop(); });
      say("converting");
      try {
        wavBlob = await toWav(new Blob(chunks, { type: recorder.mimeType }));
        preview.src = URL.createObjectURL(wavBlob);
        preview.hidden = false;
        saveButton.disabled = false;
        say("ready");
      } catch (error) {
        status.textContent = String(error);
        status.dataset.state = "failed";
      }
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
    if (!wavBlob) return;
    var name = nameInput.value.trim();
    var form = new FormData();
    form.append("name", name);
    form.append("category", categoryInput.value);
    form.append("language", languageInput.value);
    form.append("file", wavBlob, (name || "recording") + ".wav");
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

  if (!navigator.mediaDevices || !window.MediaRecorder || !window.OfflineAudioContext) {
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
