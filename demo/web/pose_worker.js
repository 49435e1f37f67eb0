// One MediaPipe PoseLandmarker in a Web Worker, so pose never blocks the page.
//
// The page (browser_pose.js) sends {type: "init", runtime, model} once, then {type: "frame",
// bitmap, t} for each camera frame it hands to this worker; the worker answers {type: "ready",
// delegate, connections} or {type: "failed", message}, then {type: "pose", t, width, height,
// people, ms} per frame (the frame's size in pixels: the landmarks are fractions of it).
// Runtime and model are the app's own (demo.web_assets, core.pose.asset): nothing from a CDN.

let landmarker = null;

function realGpu() {
  // A GPU delegate on a software WebGL (SwiftShader, llvmpipe) is slower than the CPU one.
  try {
    const gl = new OffscreenCanvas(1, 1).getContext("webgl2");
    if (!gl) return false;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
    return !/swiftshader|llvmpipe|software/i.test(renderer);
  } catch (error) {
    return false;
  }
}

async function create(runtime, model) {
  const { FilesetResolver, PoseLandmarker } = await import(`${runtime}/vision_bundle.mjs`);
  const fileset = await FilesetResolver.forVisionTasks(runtime, true);
  const options = (delegate) => ({
    baseOptions: { modelAssetPath: model, delegate },
    runningMode: "VIDEO",
    numPoses: 1,
  });
  const delegates = realGpu() ? ["GPU", "CPU"] : ["CPU"];
  let lastError = null;
  for (const delegate of delegates) {
    try {
      landmarker = await PoseLandmarker.createFromOptions(fileset, options(delegate));
      return { delegate, connections: PoseLandmarker.POSE_CONNECTIONS.map((c) => [c.start, c.end]) };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      const made = await create(message.runtime, message.model);
      self.postMessage({ type: "ready", ...made });
    } catch (error) {
      self.postMessage({ type: "failed", message: String((error && error.message) || error) });
    }
    return;
  }
  if (message.type === "frame") {
    const started = performance.now();
    let people = [];
    try {
      const result = landmarker.detectForVideo(message.bitmap, message.t);
      people = result.landmarks.map((points) => points.map((p) => [p.x, p.y]));
    } catch (error) {
      self.postMessage({ type: "failed", message: String((error && error.message) || error) });
    }
    const { width, height } = message.bitmap;
    message.bitmap.close();
    self.postMessage({ type: "pose", t: message.t, width, height, people, ms: performance.now() - started });
  }
};
