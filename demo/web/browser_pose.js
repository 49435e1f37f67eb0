// Pose in the visitor's browser: the camera, MediaPipe in Web Workers, the skeleton drawn at
// camera rate, landmarks to the server over one WebSocket, the server's steady answer back.
//
// The app mounts this on its "Live webcam" panel (demo/app.py). Landmarks are those of the
// camera's real view (MediaPipe runs on the unflipped frame; only the display is mirrored), as
// x, y fractions of the frame; the server makes skeletons of them by the same function as its
// own tracker (demo.browser_session). Every camera frame is drawn with the newest skeleton found
// (a pose takes longer than a camera frame on a CPU, so the skeleton drawn may be one pose
// behind the image); each frame a free landmarker can take is handed to it. The page counts
// both (data-frames: frames drawn, data-poses: poses found and sent; also in
// window.skeletonContextPose), so a test can read their rates.

const BASE = new URL("browser-pose/", document.baseURI);
const RUNTIME = new URL("runtime", BASE).href;
const MODEL = new URL("pose_landmarker.task", BASE).href;
const WORKER = new URL("client/pose_worker.js", BASE).href;
const MAX_SIDE = 640; // as the server-side tracker: MediaPipe works on 224-256 px crops anyway
const FALLBACK = "Use the <b>Live webcam (server pose)</b> tab instead: it finds the pose on the server.";
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1,
  8, 0, 65, 0, 253, 15, 253, 98, 11]); // a tiny module using a v128 instruction

function missingFeature() {
  if (typeof WebAssembly !== "object" || !WebAssembly.validate(SIMD_PROBE)) return "WebAssembly SIMD";
  if (typeof Worker !== "function" || typeof OffscreenCanvas !== "function") return "Web Workers with OffscreenCanvas";
  if (typeof createImageBitmap !== "function") return "createImageBitmap";
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "camera access (getUserMedia)";
  if (typeof WebSocket !== "function") return "WebSockets";
  return null;
}

function labelsText() {
  const box = document.querySelector("#labels textarea");
  return box ? box.value : "";
}

class PoseStream {
  constructor(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.canvas = root.querySelector("canvas");
    this.context = this.canvas.getContext("2d");
    this.startButton = root.querySelector(".bp-start");
    this.stopButton = root.querySelector(".bp-stop");
    this.stats = { framesDrawn: 0, framesSent: 0, rankings: 0, delegate: null, workers: 0, fps: null, posesPerS: null,
      poseMs: null, answers: [] };
    window.skeletonContextPose = this.stats;
    this.drawnAt = [];
    this.posedAt = [];
    this.people = []; // the newest pose found: x, y fractions of the frame
    this.running = false;
    this.startButton.addEventListener("click", () => this.start());
    this.stopButton.addEventListener("click", () => this.stop("Stopped. Press Start camera to go on."));
  }

  say(element, html) {
    this.root.querySelector(element).innerHTML = html;
  }

  setState(state) {
    this.root.dataset.state = state;
    this.startButton.disabled = state === "starting" || state === "running" || state === "unavailable";
    this.stopButton.disabled = !(state === "starting" || state === "running");
  }

  unavailable(reason) {
    this.setState("unavailable");
    this.say(".bp-notice", `⚠️ Pose in the browser is unavailable: ${escapeHtml(reason)}. ${FALLBACK}`);
  }

  async checkRuntime() {
    const missing = missingFeature();
    if (missing) return this.unavailable(`this browser lacks ${missing}`);
    for (;;) {
      let state;
      try {
        state = await (await fetch(new URL("status", BASE))).json();
      } catch (error) {
        return this.unavailable("the app's browser-pose service does not answer");
      }
      if (state.ready) {
        this.setState("idle");
        return this.say(".bp-notice", "Press <b>Start camera</b>: pose runs here in your browser.");
      }
      if (!state.pending) return this.unavailable(state.error || "the pose runtime is missing on the server");
      this.say(".bp-notice", "Preparing the pose runtime…");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  startWorker() {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER, { type: "module" });
      worker.onerror = (event) => reject(new Error(event.message || "the pose worker failed to start"));
      worker.onmessage = (event) => {
        if (event.data.type === "ready") {
          worker.onmessage = (next) => this.onWorker(worker, next.data);
          worker.busy = false;
          resolve({ worker, ...event.data });
        } else if (event.data.type === "failed") {
          reject(new Error(event.data.message));
        }
      };
      worker.postMessage({ type: "init", runtime: RUNTIME, model: MODEL });
    });
  }

  async start() {
    this.setState("starting");
    this.say(".bp-notice", "Starting the camera and the pose model…");
    try {
      this.camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
      this.video.srcObject = this.camera;
      await this.video.play();
      const first = await this.startWorker();
      this.workers = [first.worker];
      this.connections = first.connections;
      this.stats.delegate = first.delegate;
      // On the CPU one landmarker takes longer than a camera frame: a second one, fed every other
      // frame, uses another core. On a GPU one keeps up.
      if (first.delegate === "CPU" && (navigator.hardwareConcurrency || 1) >= 2) {
        this.workers.push((await this.startWorker()).worker);
      }
      this.stats.workers = this.workers.length;
      await this.connect();
    } catch (error) {
      this.stop();
      return this.say(".bp-notice", `⚠️ Could not start pose in this browser: ${error.message || error}. ${FALLBACK}`);
    }
    this.running = true;
    this.lastSentT = -Infinity;
    this.people = [];
    this.setState("running");
    this.say(".bp-notice", "");
    this.pump();
  }

  connect() {
    return new Promise((resolve, reject) => {
      const url = new URL("ws", BASE);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const socket = new WebSocket(url);
      this.socket = socket;
      this.sentLabels = null;
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "hello") resolve();
        else this.onServer(message);
      };
      socket.onclose = (event) => {
        reject(new Error(event.reason || "the connection to the app closed"));
        if (this.socket === socket && this.running) {
          this.stop(this.closing || `⚠️ The connection to the app closed (${event.reason || event.code}).`);
        }
      };
    });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  pump() {
    if (!this.running) return;
    const next = (now) => {
      this.frame(now);
      this.pump();
    };
    if (this.video.requestVideoFrameCallback) this.video.requestVideoFrameCallback(next);
    else requestAnimationFrame(next);
  }

  async frame(now) {
    const labels = labelsText();
    if (labels !== this.sentLabels) {
      this.send({ type: "labels", text: labels });
      this.sentLabels = labels;
    }
    if (!this.video.videoWidth) return;
    this.draw(this.video, this.people);
    const worker = this.workers.find((candidate) => !candidate.busy);
    if (!worker) return; // every landmarker is busy: this camera frame is drawn, not posed
    worker.busy = true;
    const scale = Math.min(1, MAX_SIDE / Math.max(this.video.videoWidth, this.video.videoHeight));
    const size = { resizeWidth: Math.round(this.video.videoWidth * scale),
      resizeHeight: Math.round(this.video.videoHeight * scale) };
    try {
      const bitmap = await createImageBitmap(this.video, size);
      worker.postMessage({ type: "frame", bitmap, t: now }, [bitmap]);
    } catch (error) {
      worker.busy = false;
    }
  }

  onWorker(worker, message) {
    worker.busy = false;
    if (message.type === "failed") {
      return this.stop(`⚠️ Pose failed in this browser: ${message.message}. ${FALLBACK}`);
    }
    const { t, width, height, people, ms } = message;
    this.stats.poseMs = this.stats.poseMs === null ? ms : 0.9 * this.stats.poseMs + 0.1 * ms;
    const round = (value) => Math.round(value * 10000) / 10000;
    if (!this.running || round(t) <= this.lastSentT) return; // a later frame from the other worker is already in
    this.people = people;
    this.send({ type: "pose", t: round(t), w: width, h: height,
      people: people.map((points) => points.flatMap(([x, y]) => [round(x), round(y)])) });
    this.lastSentT = round(t);
    this.stats.framesSent += 1;
    this.root.dataset.poses = String(this.stats.framesSent);
    this.stats.posesPerS = perSecond(this.posedAt);
  }

  draw(image, people) {
    const { canvas, context } = this;
    const width = image.videoWidth || image.width;
    const height = image.videoHeight || image.height;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    context.drawImage(image, 0, 0, width, height);
    context.lineWidth = 3;
    context.strokeStyle = "#39d98a";
    context.fillStyle = "#ff5a5f";
    for (const points of people) {
      const at = (index) => [points[index][0] * canvas.width, points[index][1] * canvas.height];
      context.beginPath();
      for (const [start, end] of this.connections) {
        context.moveTo(...at(start));
        context.lineTo(...at(end));
      }
      context.stroke();
      for (let index = 0; index < points.length; index += 1) {
        const [x, y] = at(index);
        context.fillRect(x - 2.5, y - 2.5, 5, 5);
      }
    }
    this.stats.framesDrawn += 1;
    this.root.dataset.frames = String(this.stats.framesDrawn);
    this.stats.fps = perSecond(this.drawnAt);
  }

  onServer(message) {
    if (message.type === "ranking") {
      this.stats.rankings = message.rankings;
      this.stats.answers.push({ t: performance.now(), text: message.text }); // for a test to read (the last 1000)
      if (this.stats.answers.length > 1000) this.stats.answers.shift();
      this.root.dataset.rankings = String(message.rankings);
      this.root.dataset.answer = message.text;
      this.say(".bp-answer", `Action: <b>${escapeHtml(message.text)}</b>`);
      this.say(".bp-top", message.top.map(([label, p]) =>
        `<li><span class="bp-label">${escapeHtml(label)}</span> <span class="bp-bar" style="width:${Math.round(p * 100)}%"></span> ${Math.round(p * 100)}%</li>`).join(""));
      const { fps, posesPerS, delegate, workers, poseMs } = this.stats;
      this.say(".bp-readout", `${fps ?? "…"} frames/s drawn here, ${posesPerS ?? "…"} poses/s ` +
        `(${Math.round(poseMs)} ms a pose on the ${delegate}, ${workers} worker${workers > 1 ? "s" : ""}) · ` +
        `scoring ${message.score_ms} ms on the server · ${message.rankings} rankings`);
    }
    if (message.type === "ranking" || message.type === "status") {
      this.say(".bp-notice", message.notice ? escapeHtml(message.notice) : "");
    } else if (message.type === "error") {
      this.closing = `⚠️ ${escapeHtml(message.message)}`;
    }
  }

  stop(notice) {
    this.running = false;
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close();
    }
    for (const worker of this.workers || []) worker.terminate();
    this.workers = [];
    if (this.camera) this.camera.getTracks().forEach((track) => track.stop());
    this.camera = null;
    this.closing = null;
    this.setState("idle");
    if (notice) this.say(".bp-notice", notice);
  }
}

function perSecond(times) {
  // How many of the events in ``times`` (kept to the last second, this one added) fell in the last second.
  const now = performance.now();
  times.push(now);
  while (times.length && now - times[0] > 1000) times.shift();
  return times.length;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function mount(root) {
  const stream = new PoseStream(root);
  stream.setState("checking");
  stream.checkRuntime();
  return stream;
}
