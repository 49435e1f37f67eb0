"""The Gradio demo: live webcam recognition, video and skeleton upload, custom labels."""
