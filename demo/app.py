"""The SkeletonContext Gradio app: layout, event wiring and the ``python app.py`` entry point."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Sequence

import gradio as gr
from fastapi import FastAPI
from gradio.routes import App, ORJSONResponse

from core import limits
from core.pose.asset import ensure_pose_model
from core.recognition.labels import LabelError, parse_labels
from core.recognition.sources import SKELETON_SUFFIXES
from demo.browser_panel import browser_pose_panel
from demo.browser_routes import WebRuntime, add_browser_pose_routes
from demo.engine import MAX_LABELS, WEIGHTS_ENV, SharedRecognizer, share_cpu_with_pose
from demo.live import LiveConfig, LiveSession, stream_frame
from demo.presets import PRESET_NAMES, preset_labels, preset_text
from demo.process_memory import bound_malloc_arenas
from demo.skeleton_tab import analyse_skeleton_file
from demo.video_tab import analyse_video

# Gradio 6 mirrors the webcam before sending it (the canvas is flipped to match the preview), so
# the handler receives mirror views and the landmarker must be told so.
MIRROR_WEBCAM = True
STREAM_EVERY_S = 0.05  # the browser grabs a frame this often while the previous one is answered
STREAM_TIME_LIMIT_S = 600
DEFAULT_LABELS = "drink water\nclapping\nhand waving\nsit down\nstand up"
INTRO = (
    "# SkeletonContext: zero-shot action recognition from skeletons\n"
    "Type the actions you care about (commas, semicolons or new lines). The camera image is "
    "reduced to a 25-joint skeleton and scored against your labels; joints turn red where the "
    "model looks."
)
PLOT_KWARGS = dict(x="time_s", y="probability", color="label", x_title="time (s)", y_lim=[0, 1])


def check_labels(text: str) -> str:
    """Immediate feedback under the label box."""
    try:
        labels = parse_labels(text, max_labels=MAX_LABELS)
    except LabelError as error:
        return f"⚠️ {error}"
    return f"{len(labels)} label(s): " + ", ".join(labels[:12]) + (" …" if len(labels) > 12 else "")


def answer_markdown(answer: str | None) -> str:
    """The steady answer as the live view shows it (core.recognition.smoothing)."""
    return "Action: …" if answer is None else f"Action: **{answer}**"


def build_app(recognizer: SharedRecognizer, live_config: LiveConfig = LiveConfig()) -> gr.Blocks:
    """The whole interface around one shared recogniser."""

    # Gradio deletes a closed tab's state only an hour later, so the tab's unload event closes its
    # live session (landmarker and slot) at once; this maps browser sessions to live sessions.
    live_by_tab: dict[str, LiveSession] = {}

    def on_frame(frame, labels_text, session, request: gr.Request):
        image, scores, answer, status, session = stream_frame(frame, labels_text, session, recognizer, live_config,
                                                              mirrored=MIRROR_WEBCAM)
        if request is not None and request.session_hash:
            live_by_tab[request.session_hash] = session
        return gr.skip() if image is None else image, scores, answer_markdown(answer), status, session

    def on_tab_closed(request: gr.Request):
        session = live_by_tab.pop(request.session_hash, None) if request is not None else None
        if session is not None:
            session.close()

    def on_tick(session):
        message = None if session is None else session.check_stalled()
        return gr.skip() if message is None else f"⚠️ {message}"

    def on_video(path, labels_text, mirrored, progress=gr.Progress()):
        result = analyse_video(path, labels_text, recognizer, mirrored=mirrored,
                               progress=lambda fraction, text: progress(fraction, desc=text))
        return (result.video, result.timeline, result.clip_scores, result.skeleton_file,
                result.predictions_file, result.message)

    def on_skeleton(path, labels_text):
        result = analyse_skeleton_file(path, labels_text, recognizer)
        return result.clip_scores, result.timeline, result.sequences, result.message

    with gr.Blocks(title="SkeletonContext", analytics_enabled=False, delete_cache=(60, 300)) as app:
        gr.Markdown(INTRO)
        with gr.Row():
            labels = gr.Textbox(DEFAULT_LABELS, label="Actions to recognise", lines=4, max_lines=12,
                                elem_id="labels", scale=3)
            with gr.Column(scale=1):
                preset = gr.Dropdown(list(PRESET_NAMES), value=PRESET_NAMES[0], label="Preset", elem_id="preset")
                load_preset = gr.Button("Use preset", elem_id="load-preset")
        label_check = gr.Markdown(check_labels(DEFAULT_LABELS), elem_id="label-check")
        labels.change(check_labels, labels, label_check, show_progress="hidden", api_visibility="private")
        load_preset.click(preset_text, preset, labels, api_visibility="private")

        with gr.Tab("Live webcam"):
            gr.Markdown("Pose runs here in your browser (MediaPipe); the server only scores the skeleton. "
                        "Where the browser cannot run it, use the next tab.")
            browser_pose_panel()

        with gr.Tab("Live webcam (server pose)", elem_id="server-pose-tab"):
            session = gr.State(None, delete_callback=lambda s: s is not None and s.close())
            with gr.Row():
                webcam = gr.Image(sources=["webcam"], streaming=True, type="numpy", label="Webcam",
                                  webcam_options=gr.WebcamOptions(mirror=MIRROR_WEBCAM), height=360,
                                  elem_id="webcam")
                view = gr.Image(label="Skeleton", format="jpeg", interactive=False, height=360, elem_id="live-view")
            with gr.Row():
                with gr.Column():
                    live_answer = gr.Markdown(answer_markdown(None), elem_id="live-answer")
                    live_scores = gr.Label(num_top_classes=5, label="Top 5 (smoothed probability)",
                                           elem_id="live-scores")
                live_status = gr.Markdown("Press **Record** on the webcam to start.", elem_id="live-status")
            # Streams beyond MAX_LIVE_SESSIONS get the busy message at once (demo.live_slots), so
            # twice that many handlers at a time keep both the streams and those answers flowing.
            webcam.stream(on_frame, [webcam, labels, session], [view, live_scores, live_answer, live_status, session],
                          stream_every=STREAM_EVERY_S, time_limit=STREAM_TIME_LIMIT_S,
                          concurrency_limit=2 * limits.MAX_LIVE_SESSIONS, concurrency_id="live",
                          show_progress="hidden", api_visibility="private")
            gr.Timer(1.0).tick(on_tick, session, live_status, show_progress="hidden",
                               concurrency_limit=2 * limits.MAX_LIVE_SESSIONS, concurrency_id="live-timer",
                               api_visibility="private")

        with gr.Tab("Video"):
            with gr.Row():
                with gr.Column():
                    # A file box, not gr.Video: browsers cannot preview many camera formats (AVI,
                    # MJPEG) and Gradio would greet every such upload with "Video not playable".
                    video_in = gr.File(label="Video file", file_types=["video"], elem_id="video-in")
                    video_mirrored = gr.Checkbox(False, label="The video is a mirror view (selfie camera, NTU RGB)")
                    video_go = gr.Button("Recognise", variant="primary", elem_id="video-go")
                video_out = gr.Video(label="Skeleton and top action", interactive=False, elem_id="video-out")
            video_message = gr.Markdown()
            with gr.Row():
                video_plot = gr.LinePlot(label="Label probability over time (smoothed)", **PLOT_KWARGS)
                video_scores = gr.Label(num_top_classes=5, label="Whole clip")
            with gr.Row():
                skeleton_download = gr.File(label="Skeleton (.npz)")
                predictions_download = gr.File(label="Per-window predictions (.csv)")
            video_go.click(on_video, [video_in, labels, video_mirrored],
                           [video_out, video_plot, video_scores, skeleton_download, predictions_download,
                            video_message],
                           api_name="video", concurrency_limit=limits.UPLOAD_WORKERS, concurrency_id="uploads")

        with gr.Tab("Skeleton file"):
            with gr.Row():
                with gr.Column():
                    skeleton_in = gr.File(label=".npy / .npz (T,25,3 or M,T,25,3, metres) or NTU .skeleton",
                                          file_types=list(SKELETON_SUFFIXES), elem_id="skeleton-in")
                    skeleton_go = gr.Button("Recognise", variant="primary", elem_id="skeleton-go")
                skeleton_scores = gr.Label(num_top_classes=5, label="Top actions")
            skeleton_message = gr.Markdown()
            skeleton_plot = gr.LinePlot(label="Label probability over time (first sequence, smoothed)", **PLOT_KWARGS)
            skeleton_table = gr.Dataframe(label="Sequences", interactive=False)
            skeleton_go.click(on_skeleton, [skeleton_in, labels],
                              [skeleton_scores, skeleton_plot, skeleton_table, skeleton_message], api_name="skeleton",
                              concurrency_limit=limits.UPLOAD_WORKERS, concurrency_id="uploads")
        app.unload(on_tab_closed)
    return app


def warm_presets(recognizer: SharedRecognizer) -> None:
    """Encode every preset once in the background: on a fresh machine NTU-120's sentences take
    tens of seconds to encode, which would otherwise freeze the stream of whoever picks it."""
    for name in PRESET_NAMES:
        recognizer.encode_labels(preset_labels(name))


def main(argv: Sequence[str] | None = None) -> int:
    """Load the recogniser, then serve on 0.0.0.0:7860 unless GRADIO_SERVER_NAME/PORT say otherwise."""
    parser = argparse.ArgumentParser(description="SkeletonContext live demo")
    parser.add_argument("--weights", help=f"checkpoint to load (default: ${WEIGHTS_ENV} or the shipped weights)")
    parser.add_argument("--device", help="torch device (default: GPU when present)")
    parser.add_argument("--no-warm-presets", action="store_true",
                        help="do not encode the preset labels in the background at start-up (tests)")
    args = parser.parse_args(argv)
    bound_malloc_arenas()
    share_cpu_with_pose()
    recognizer = SharedRecognizer(args.weights, args.device)
    try:
        recognizer.load()
        recognizer.encode_labels(parse_labels(DEFAULT_LABELS))
        ensure_pose_model()  # fetched or built once per machine; better now than on the first frame
    except (OSError, ValueError, RuntimeError) as error:
        print(f"error: the demo cannot start: {error}", file=sys.stderr)
        return 1
    if not args.no_warm_presets:
        threading.Thread(target=warm_presets, args=(recognizer,), daemon=True, name="warm-presets").start()
    runtime = WebRuntime().start()  # the page's MediaPipe runtime: fetched once per machine, in the background
    serve(build_app(recognizer), routes=lambda server: add_browser_pose_routes(server, recognizer, runtime))
    return 0


def serve(app: gr.Blocks, routes: Callable[[FastAPI], None] | None = None, server_name: str | None = None,
          server_port: int | None = None, **launch_options) -> None:
    """Queue and launch with the upload and queue limits of core.limits: uploads analysed
    ``UPLOAD_WORKERS`` at a time (the rest wait, Gradio showing their place in the queue), at most
    ``MAX_QUEUE`` waiting, no upload over ``MAX_UPLOAD_MB`` (Gradio refuses it with its size).

    ``routes`` adds endpoints of our own (the browser-pose ones) to the server before Gradio adds
    its own, on Gradio's own FastAPI app class, as gr.Server does; one server, one port."""
    server = App(default_response_class=ORJSONResponse)
    if routes is not None:
        routes(server)
    app.queue(max_size=limits.MAX_QUEUE).launch(
        _app=server,
        server_name=server_name or os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        server_port=server_port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        ssr_mode=False,
        max_file_size=limits.mb(limits.MAX_UPLOAD_MB),
        **launch_options,
    )
