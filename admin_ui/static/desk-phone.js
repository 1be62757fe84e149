// The desk's browser phone (Agent.phone = "browser"): JsSIP registered over
// Asterisk's SIP websocket to the agent's own PJSIP endpoint, DTLS-SRTP media.
// The ACD rings it like any desk phone; the desk's state and call buttons do
// the rest.  Credentials come from /desk/phone (the signed-in agent's own).
(function () {
  "use strict";
  var panel = document.getElementById("browser-phone");
  if (!panel || !window.JsSIP) { return; }
  var statusEl = panel.querySelector("[data-phone-status]");
  var peerEl = panel.querySelector("[data-phone-peer]");
  var audio = panel.querySelector("audio");
  var answerBtn = panel.querySelector("[data-phone-answer]");
  var hangupBtn = panel.querySelector("[data-phone-hangup]");
  var muteBtn = panel.querySelector("[data-phone-mute]");
  var autoAnswer = panel.querySelector("[data-phone-auto-answer]");
  var dialForm = panel.querySelector("[data-phone-dial]");
  var ua = null;
  var session = null;
  var registered = false;
  // No STUN/TURN: Asterisk and the agent's browser reach each other directly
  // (host candidates); a remote site adds its TURN server here.
  var pcConfig = { iceServers: [] };
  var mediaConstraints = { audio: true, video: false };

  function show(state) {
    // data-state is what the tests read; the text is the page's language.
    statusEl.setAttribute("data-state", state);
    statusEl.textContent = panel.getAttribute("data-text-" + state) || state;
    var ringing = state === "ringing";
    var talking = state === "in-call" || state === "calling";
    answerBtn.hidden = !ringing;
    hangupBtn.hidden = !(ringing || talking);
    muteBtn.hidden = state !== "in-call";
    dialForm.hidden = !(state === "registered");
  }

  function idle() {
    session = null;
    peerEl.textContent = "";
    muteBtn.textContent = panel.getAttribute("data-text-mute");
    show(registered ? "registered" : "unregistered");
  }

  function attachAudio(connection) {
    // The far end's audio plays through the page's <audio> element.
    connection.addEventListener("track", function (event) {
      if (event.track.kind !== "audio") { return; }
      audio.srcObject = event.streams[0] || new MediaStream([event.track]);
      var played = audio.play();
      if (played && played.catch) { played.catch(function () {}); }
    });
  }

  function track(newSession, incoming) {
    if (session) {
      // One call at a time, like a desk phone: Asterisk's queue sees busy.
      newSession.terminate({ status_code: 486, reason_phrase: "Busy Here" });
      return;
    }
    session = newSession;
    var who = newSession.remote_identity;
    peerEl.textContent = (who.display_name ? who.display_name + " " : "") + "<" + who.uri.user + ">";
    newSession.on("peerconnection", function (e) { attachAudio(e.peerconnection); });
    if (newSession.connection) { attachAudio(newSession.connection); }
    newSession.on("confirmed", function () { show("in-call"); });
    newSession.on("ended", idle);
    newSession.on("failed", idle);
    show(incoming ? "ringing" : "calling");
    if (incoming && autoAnswer.checked) { answer(); }
  }

  function answer() {
    if (session && session.isInProgress()) {
      session.answer({ mediaConstraints: mediaConstraints, pcConfig: pcConfig });
    }
  }

  function start(config) {
    var socket = new JsSIP.WebSocketInterface(config.websocket_url);
    ua = new JsSIP.UA({
      sockets: [socket],
      uri: config.sip_uri,
      authorization_user: config.username,
      password: config.password,
      display_name: config.display_name,
      register: true,
      register_expires: 120,
      session_timers: false,
      user_agent: "Hotline desk (JsSIP " + JsSIP.version + ")"
    });
    ua.on("registered", function () { registered = true; if (!session) { show("registered"); } });
    ua.on("unregistered", function () { registered = false; if (!session) { show("unregistered"); } });
    ua.on("registrationFailed", function () { registered = false; show("failed"); });
    ua.on("disconnected", function () { registered = false; if (!session) { show("connecting"); } });
    ua.on("newRTCSession", function (e) { track(e.session, e.originator === "remote"); });
    ua.start();
  }

  answerBtn.addEventListener("click", answer);
  hangupBtn.addEventListener("click", function () { if (session) { session.terminate(); } });
  muteBtn.addEventListener("click", function () {
    if (!session) { return; }
    if (session.isMuted().audio) {
      session.unmute({ audio: true });
      muteBtn.textContent = panel.getAttribute("data-text-mute");
    } else {
      session.mute({ audio: true });
      muteBtn.textContent = panel.getAttribute("data-text-unmute");
    }
  });
  dialForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var number = dialForm.querySelector("input").value.trim();
    if (!number || !ua || session) { return; }
    var host = ua.configuration.uri.host;
    ua.call("sip:" + number + "@" + host, { mediaConstraints: mediaConstraints, pcConfig: pcConfig });
  });
  // Leaving the page unregisters, so the ACD stops offering calls to it.
  window.addEventListener("pagehide", function () { if (ua) { ua.stop(); } });

  show("connecting");
  fetch(panel.getAttribute("data-phone-url"), { credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(start)
    .catch(function () { show("failed"); });
})();
