"""Speed and memory of recognition: ``python -m core.recognition.bench``.

Prints, after warm-up, the CPU latency of ranking one 64-frame window (end to end and per
stage, with a per-layer breakdown of the network), the time to encode 120 labels, the peak
memory, and on a GPU the batch-1 latency and the throughput. ``--no-text`` replaces the text
encoder by random unit prototypes, for machines without MiniLM; the skeleton side is identical.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from core.model.checkpoint import load_checkpoint
from core.model.network import ModelConfig, SkeletonContext
from core.recognition.recognizer import DEFAULT_WEIGHTS, REPO_ROOT, LabelSet, Recognizer

NTU_NAMES = REPO_ROOT.parent / "shared" / "data" / "ntu" / "ntu120_class_names.txt"
TEN_LABELS = [
    "drink water", "clapping", "hand waving", "sit down", "stand up",
    "jump up", "kicking something", "phone call", "nod head/bow", "walking",
]
CPU_TARGET_MS = 20.0
ENCODE_TARGET_S = 1.0
RANDOM_PROTOTYPES = 12  # about what a known action gets (4 templates + 8 descriptions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.recognition.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None, help="checkpoint (default: the shipped one, else random init)")
    parser.add_argument("--no-text", action="store_true", help="random label prototypes instead of MiniLM")
    parser.add_argument("--repeats", type=int, default=200, help="timed runs per measurement (default 200)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--skip-cpu", action="store_true", help="GPU figures only")
    parser.add_argument("--batch", type=int, default=256, help="GPU throughput batch size (default 256)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    model, source = _model(args.weights)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"model: {source}; {parameters / 1e6:.2f} M parameters, window {model.config.window} frames")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {args.repeats} timed runs after warm-up")
    names = _label_names()
    if not args.skip_cpu:
        recognizer = Recognizer(model, device="cpu")
        print()
        _bench_label_encoding(recognizer, names, args.no_text)
        print()
        _bench_cpu_latency(recognizer, names, args.no_text, args.repeats)
        print(f"\npeak memory (RSS) of this process: {_peak_rss_mb():.0f} MB")
    if torch.cuda.is_available():
        print()
        _bench_gpu(model, names, args.repeats, args.batch)
    else:
        print("\nGPU: none available, GPU figures skipped")
    return 0


def _model(weights: Path | None) -> tuple[SkeletonContext, str]:
    path = weights or (DEFAULT_WEIGHTS if DEFAULT_WEIGHTS.is_file() else None)
    if path is not None:
        model, _ = load_checkpoint(path, device="cpu")
        return model, f"weights {path}"
    torch.manual_seed(0)
    return SkeletonContext(ModelConfig()).eval(), f"random init of the default config ({DEFAULT_WEIGHTS} absent; same speed)"


def _label_names() -> list[str]:
    """The 120 NTU names, from the shared data or else from the vocabulary (same names)."""
    if NTU_NAMES.is_file():
        return [line.strip() for line in NTU_NAMES.read_text(encoding="utf-8").splitlines() if line.strip()]
    from core.knowledge.vocabulary import load_vocabulary

    return list(load_vocabulary().ntu_names().values())


def _label_set(recognizer: Recognizer, labels: list[str], no_text: bool) -> LabelSet:
    if not no_text:
        return recognizer.encode_labels(labels)
    rng = np.random.default_rng(0)
    dim = recognizer.model.config.embed_dim

    def unit() -> np.ndarray:
        vectors = rng.normal(size=(RANDOM_PROTOTYPES, dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    return recognizer.label_set(labels, [unit() for _ in labels], [unit() for _ in labels])


def _bench_label_encoding(recognizer: Recognizer, names: list[str], no_text: bool) -> None:
    print(f"label encoding on the CPU, {len(names)} labels (target < {ENCODE_TARGET_S:.0f} s):")
    if no_text:
        print("  skipped (--no-text)")
        return
    from core.knowledge.sentence_table import SENTENCE_TABLE

    typed = [f"{name} slowly" for name in names]  # not in the action knowledge: name templates only
    with tempfile.TemporaryDirectory() as root:
        start = time.perf_counter()
        known = _loaded_encoder(Path(root) / "names", SENTENCE_TABLE)
        print(f"  MiniLM load (tokenizer + weights), once per process: {time.perf_counter() - start:.2f} s")
        rows = [
            (f"{len(names)} NTU names, shipped knowledge table, empty disk cache", names, known),
            (f"{len(typed)} labels the knowledge lacks, nothing cached", typed, _loaded_encoder(Path(root) / "typed", None)),
        ]
        for title, labels, encoder in rows:
            seconds, sentences = _timed_encoding(Recognizer(recognizer.model, device="cpu", text_encoder=encoder), labels)
            print(f"  {title} ({sentences} sentences through MiniLM): {seconds:.2f} s  [{_verdict(seconds, ENCODE_TARGET_S)}]")
        warm = Recognizer(recognizer.model, device="cpu", text_encoder=_loaded_encoder(Path(root) / "typed", None))
        seconds, _ = _timed_encoding(warm, typed)
        print(f"  {len(typed)} labels the knowledge lacks, new recogniser, sentences in the disk cache: {seconds:.2f} s")
        seconds, _ = _timed_encoding(warm, typed)
        print(f"  the same {len(typed)} labels again, same recogniser (per-label memory cache): {seconds * 1e3:.1f} ms")


def _loaded_encoder(cache: Path, sentence_table: Path | None):
    from core.model.text import TextEncoder

    encoder = TextEncoder(cache_dir=cache, sentence_table=sentence_table)
    _ = encoder.model  # load now, so timings below are encoding only
    return encoder


def _timed_encoding(recognizer: Recognizer, labels: list[str]) -> tuple[float, int]:
    """Seconds to encode the labels, and how many sentences MiniLM had to encode (the disk cache then holds)."""
    start = time.perf_counter()
    recognizer.encode_labels(labels)
    seconds = time.perf_counter() - start
    return seconds, len(list(recognizer.text_encoder.cache_dir.rglob("*.npy")))


def _bench_cpu_latency(recognizer: Recognizer, names: list[str], no_text: bool, repeats: int) -> None:
    rng = np.random.default_rng(0)
    clip = _walking_clip(rng, frames=64)
    window = torch.from_numpy(recognizer.policy.prepare(clip)[None])
    print(f"CPU latency, one 64-frame clip, batch 1 (median / p90 ms; target <= {CPU_TARGET_MS:.0f} ms):")
    for labels in (TEN_LABELS, names):
        label_set = _label_set(recognizer, labels, no_text)
        median, p90 = _time(lambda: recognizer.rank(clip, label_set), repeats)
        print(f"  rank() end to end, {len(labels):>3} labels:  {median:6.2f} / {p90:6.2f}  [{_verdict(median, CPU_TARGET_MS)}]")
    label_set = _label_set(recognizer, TEN_LABELS, no_text)
    stream = _walking_clip(rng, frames=int(round(recognizer.policy.history_s * 30)) + 1)  # a live buffer at 30 frames/s
    policy = recognizer.policy
    print(f"  moments read at tempi {', '.join(f'{t:g}' for t in policy.tempi)} (the policy's) and at 1 alone, 10 labels:")
    for tempi in (policy.tempi, (1.0,)):
        recognizer.policy = replace(policy, tempi=tempi)
        clip_ms, _ = _time(lambda: recognizer.rank(clip, label_set), repeats)
        live_ms, _ = _time(lambda: recognizer.rank_latest([(stream, label_set, None)]), repeats)
        print(f"    tempi {', '.join(f'{t:g}' for t in tempi):<18} rank() {clip_ms:6.2f} ms; a live ranking (the latest "
              f"moment of {policy.history_s:.1f} s of poses, rank_latest) {live_ms:6.2f} ms (medians)")
    recognizer.policy = policy
    model = recognizer.model
    with torch.no_grad():
        outputs = model(window)
        embeddings = {key: outputs[key] for key in ("spatial", "temporal") if key in outputs}
        stages: dict[str, Callable[[], object]] = {
            "prepare window (numpy)": lambda: recognizer.policy.prepare(clip),
            "network forward": lambda: model(window),
            "scoring, 10 labels": lambda: model.probabilities(embeddings, label_set.classes),
        }
        for name, stage in stages.items():
            median, p90 = _time(stage, repeats)
            print(f"  {name:<28} {median:6.2f} / {p90:6.2f}")
        print("  forward pass by layer (median ms):")
        for name, ms in _layer_times(model, window, repeats):
            print(f"    {name:<26} {ms:6.2f}")


def _layer_times(model: SkeletonContext, window: torch.Tensor, repeats: int) -> list[tuple[str, float]]:
    """Median time of each top-level layer, measured with forward hooks (CPU: synchronous)."""
    layers: dict[str, torch.nn.Module] = {}
    for name, child in model.backbone.named_children():  # Shift-GCN's blocks one by one, the TCN's streams whole
        if name == "blocks":
            layers.update({f"backbone block {i + 1} ({block.graph.linear.out_features} ch)": block
                           for i, block in enumerate(child)})
        else:
            layers[f"backbone {name.replace('_', ' ')}"] = child
    layers["spatial branch (KPD)"] = model.spatial
    if model.temporal is not None:
        layers["temporal branch (CPM token)"] = model.temporal
    samples: dict[str, list[float]] = {name: [] for name in layers}
    started: dict[str, float] = {}
    handles = []
    for name, layer in layers.items():
        handles.append(layer.register_forward_pre_hook(lambda *_, n=name: started.__setitem__(n, time.perf_counter())))
        handles.append(layer.register_forward_hook(
            lambda *_, n=name: samples[n].append(time.perf_counter() - started[n])))
    try:
        for _ in range(repeats):
            model(window)
    finally:
        for handle in handles:
            handle.remove()
    return [(name, 1e3 * statistics.median(values)) for name, values in samples.items()]


def _bench_gpu(model: SkeletonContext, names: list[str], repeats: int, batch: int) -> None:
    device = "cuda"
    recognizer = Recognizer(model, device=device)
    label_set = _label_set(recognizer, names, no_text=True)
    print(f"GPU {torch.cuda.get_device_name()} (bf16 autocast; random prototypes for {len(names)} labels):")
    rng = np.random.default_rng(0)
    clip = _walking_clip(rng, frames=64)
    torch.cuda.reset_peak_memory_stats()
    median, p90 = _time(lambda: recognizer.rank(clip, label_set), repeats, cuda=True)
    print(f"  rank() end to end, batch 1: {median:.2f} / {p90:.2f} ms (median / p90)")
    one = torch.from_numpy(recognizer.policy.prepare(clip)[None])
    median, p90 = _time(lambda: recognizer.score_windows(one, label_set), repeats, cuda=True)
    print(f"  network + scoring, prepared window, batch 1: {median:.2f} / {p90:.2f} ms")
    windows = torch.from_numpy(np.stack([recognizer.policy.prepare(_walking_clip(rng, 64))] * batch))
    windows = windows.pin_memory()
    median, _ = _time(lambda: recognizer.score_windows(windows, label_set), max(10, repeats // 10), cuda=True)
    print(f"  throughput, prepared windows, batch {batch}: {batch / (median / 1e3):,.0f} windows/s ({median:.1f} ms per batch)")
    median, _ = _time(lambda: recognizer.policy.prepare(clip), repeats)
    print(f"  (preparing a window on the host CPU: {median:.2f} ms per window, {1e3 / median:,.0f} windows/s per core)")
    print(f"  peak GPU memory allocated: {torch.cuda.max_memory_allocated() / 2**20:.0f} MB")


def _walking_clip(rng: np.random.Generator, frames: int) -> np.ndarray:
    """A plausible moving body (a rest pose plus smooth motion), so normalisation does real work."""
    rest = rng.normal(0.0, 0.25, size=(25, 3)) + np.array([0.0, 0.9, 3.0])
    phase = np.linspace(0.0, 2 * np.pi, frames)[:, None, None]
    return (rest[None] + 0.1 * np.sin(phase + rng.uniform(0, 2 * np.pi, size=(1, 25, 3)))).astype(np.float32)


def _time(function: Callable[[], object], repeats: int, cuda: bool = False) -> tuple[float, float]:
    """Median and 90th percentile wall time in ms, after a warm-up of a tenth of the runs (>= 5)."""
    for _ in range(max(5, repeats // 10)):
        function()
    if cuda:
        torch.cuda.synchronize()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        if cuda:
            torch.cuda.synchronize()
        samples.append(1e3 * (time.perf_counter() - start))
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.9 * len(samples)))]


def _verdict(value: float, target: float) -> str:
    return "meets target" if value <= target else "MISSES target"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


if __name__ == "__main__":
    raise SystemExit(main())
