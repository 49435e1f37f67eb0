"""The live tab's browser-pose panel: the markup the page script (demo/web/browser_pose.js) drives.

The panel is plain HTML in the Gradio page: the camera, the canvas the skeleton is drawn on, the
steady answer and the top five, a readout and one line for what is wrong. Everything it shows
comes from the script, which loads from the app's own server (demo.browser_routes).
"""

from __future__ import annotations

import gradio as gr

from demo.browser_routes import PREFIX

MARKUP = """
<div id="browser-pose" data-state="checking" data-frames="0" data-rankings="0">
  <div class="bp-stage">
    <canvas width="640" height="480" aria-label="camera image with the skeleton"></canvas>
    <video playsinline muted></video>
  </div>
  <div class="bp-side">
    <div class="bp-buttons">
      <button class="bp-start lg primary" disabled>Start camera</button>
      <button class="bp-stop lg secondary" disabled>Stop</button>
    </div>
    <div class="bp-answer">Action: …</div>
    <ol class="bp-top"></ol>
    <div class="bp-readout"></div>
    <div class="bp-notice">Checking whether pose can run in this browser…</div>
  </div>
</div>
"""

STYLE = """
#browser-pose { display: flex; gap: 16px; flex-wrap: wrap; }
.bp-stage { flex: 1 1 480px; max-width: 640px; }
.bp-stage canvas { width: 100%; transform: scaleX(-1); background: #111; border-radius: 8px; }
.bp-stage video { display: none; }
.bp-side { flex: 1 1 280px; display: flex; flex-direction: column; gap: 8px; }
.bp-buttons { display: flex; gap: 8px; }
.bp-buttons button { padding: 6px 14px; border-radius: 6px; cursor: pointer; }
.bp-answer { font-size: 1.4em; }
.bp-top { margin: 0; padding-left: 1.2em; }
.bp-top li { margin: 2px 0; }
.bp-bar { display: inline-block; height: 0.7em; background: #6c7ae0; border-radius: 3px; vertical-align: middle; }
.bp-readout, .bp-notice { font-size: 0.9em; opacity: 0.85; }
"""

# The canvas is mirrored for display only (a selfie view); MediaPipe sees the unflipped frame.
MOUNT = f'import(new URL("{PREFIX.lstrip("/")}/client/browser_pose.js", document.baseURI).href)' \
        '.then((module) => module.mount(element.querySelector("#browser-pose") || element));'


def browser_pose_panel() -> gr.HTML:
    """The panel, mounted by the page script once Gradio has rendered it."""
    return gr.HTML(MARKUP, css_template=STYLE, js_on_load=MOUNT, elem_id="browser-pose-panel")
