"""Network pieces: shapes, shift operations, body masking, branches, scoring, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.model.checkpoint import CheckpointError, load_checkpoint, read_checkpoint_metadata, save_checkpoint
from core.model.cpm import ContextPromptHead, mlm_loss
from core.model.inputs import prepare_window
from core.model.kpd import calibration_loss
from core.model.network import ModelConfig, SkeletonContext
from core.model.prototypes import NAME_TEMPLATES, prototype_sentences, with_name_templates
from core.model.scoring import ClassPrototypes, class_logits
from core.model.shiftgcn import BackboneConfig, spatial_shift_index, temporal_offsets, temporal_shift, with_motion
from core.skeleton.layout import JOINT

TINY = ModelConfig(backbone=BackboneConfig(channels=(8, 8, 8, 8, 16, 16, 16, 16, 16, 16)), window=16, kpd_hidden=8)


def _skeletons(batch: int, frames: int = 16, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 2, frames, 25, 3, generator=generator)
    x[:, 1] = 0.0
    return x


def test_spatial_shift_is_a_permutation_undone_by_the_reverse_shift() -> None:
    forward = spatial_shift_index(6, 25, 1)
    backward = spatial_shift_index(6, 25, -1)
    assert sorted(forward.tolist()) == list(range(150))
    values = torch.arange(150)
    assert torch.equal(values[forward][backward], values)
    # channel 2 of joint 24 reads joint (24 + 2) mod 25 = 1
    assert int(forward[24 * 6 + 2]) == 1 * 6 + 2


def test_temporal_shift_moves_each_channel_by_its_offset() -> None:
    x = torch.arange(2 * 3 * 10 * 4, dtype=torch.float32).reshape(2, 3, 10, 4)
    offsets = torch.tensor([-1, 0, 2])
    y = temporal_shift(x, offsets)
    assert torch.equal(y[:, 1], x[:, 1])
    assert torch.equal(y[:, 0, 1:], x[:, 0, :-1]) and torch.all(y[:, 0, 0] == 0)
    assert torch.equal(y[:, 2, :-2], x[:, 2, 2:]) and torch.all(y[:, 2, -2:] == 0)
    strided = temporal_shift(x, torch.zeros(3, dtype=torch.long), stride=2)
    assert torch.equal(strided, x[:, :, ::2])
    assert set(temporal_offsets(20).tolist()) == set(range(-4, 5))


def test_backbone_shapes_and_body_mask() -> None:
    model = SkeletonContext(TINY).eval()
    x = _skeletons(3)
    features, present = model.backbone(x)
    assert features.shape == (3, 2, 16, 4, 25)
    assert present.tolist() == [[True, False]] * 3
    assert torch.all(features[:, 1] == 0)
    with pytest.raises(ValueError, match="expected input"):
        model.backbone(torch.zeros(2, 2, 16, 20, 3))


def test_motion_channels_are_steps_between_present_frames() -> None:
    bodies = torch.randn(2, 6, 25, 3)
    bodies[1, 3] = 0.0  # one frame where the body is not tracked
    out = with_motion(bodies)
    assert out.shape == (2, 6, 25, 6) and torch.equal(out[..., :3], bodies)
    step = out[..., 3:]
    assert torch.all(step[:, 0] == 0)
    assert torch.allclose(step[0, 1:], bodies[0, 1:] - bodies[0, :-1])
    assert torch.all(step[1, 3] == 0) and torch.all(step[1, 4] == 0)  # no jump into or out of the gap
    assert torch.allclose(step[1, 5], bodies[1, 5] - bodies[1, 4])


def test_a_motion_backbone_keeps_its_interface_and_its_switch_survives_a_checkpoint(tmp_path) -> None:
    config = ModelConfig(backbone=BackboneConfig(channels=TINY.backbone.channels, motion=True), window=16, kpd_hidden=8)
    model = SkeletonContext(config).eval()
    assert model.backbone.input_norm.num_features == 25 * 6
    features, present = model.backbone(_skeletons(3))
    assert features.shape == (3, 2, 16, 4, 25) and torch.all(features[:, 1] == 0)
    save_checkpoint(tmp_path / "motion.safetensors", model, {})
    loaded, _ = load_checkpoint(tmp_path / "motion.safetensors")
    assert loaded.config.backbone.motion
    with torch.no_grad():
        assert torch.allclose(model(_skeletons(2))["spatial"], loaded(_skeletons(2))["spatial"], atol=1e-6)
    # Checkpoints written before the switch existed load as position-only backbones.
    legacy = config.to_dict()
    del legacy["backbone"]["motion"]
    assert not ModelConfig.from_dict(legacy).backbone.motion


def test_an_image_plane_backbone_ignores_depth_and_its_switch_survives_a_checkpoint(tmp_path) -> None:
    config = ModelConfig(backbone=BackboneConfig(channels=TINY.backbone.channels, depth=False), window=16, kpd_hidden=8)
    model = SkeletonContext(config).eval()
    x = _skeletons(3)
    other_depth = x.clone()
    other_depth[:, 0, ..., 2] = torch.randn(3, 16, 25)
    with torch.no_grad():
        assert torch.equal(model(x)["spatial"], model(other_depth)["spatial"])
        moved = x.clone()
        moved[:, 0, ..., 0] += 0.5 * torch.randn(3, 16, 25)  # the image plane still counts
        assert not torch.equal(model(x)["spatial"], model(moved)["spatial"])
        depth_model = SkeletonContext(TINY).eval()
        assert not torch.equal(depth_model(x)["spatial"], depth_model(other_depth)["spatial"])
    save_checkpoint(tmp_path / "plane.safetensors", model, {})
    loaded, _ = load_checkpoint(tmp_path / "plane.safetensors")
    assert not loaded.config.backbone.depth
    legacy = config.to_dict()
    del legacy["backbone"]["depth"]
    assert ModelConfig.from_dict(legacy).backbone.depth  # older checkpoints saw depth


def test_a_bounded_input_tcn_barely_tells_far_positions_apart_and_its_limit_survives_a_checkpoint(tmp_path) -> None:
    from core.model.tcn import TCNConfig

    def tcn_model(limit: float) -> SkeletonContext:
        torch.manual_seed(0)
        return SkeletonContext(ModelConfig(backbone=TCNConfig(8, 8, input_limit=limit), window=16, kpd_hidden=8)).eval()

    x = _skeletons(3)
    far, farther = x.clone(), x.clone()
    far[:, 0, ..., 0] += 40.0
    farther[:, 0, ..., 0] += 80.0
    with torch.no_grad():
        bounded, plain = tcn_model(4.0), tcn_model(0.0)
        assert torch.allclose(bounded(far)["spatial"], bounded(farther)["spatial"], atol=1e-4)
        assert not torch.allclose(plain(far)["spatial"], plain(farther)["spatial"], atol=1e-2)
        assert not torch.allclose(bounded(x)["spatial"], bounded(far)["spatial"], atol=1e-2)
    save_checkpoint(tmp_path / "bounded.safetensors", bounded, {})
    assert load_checkpoint(tmp_path / "bounded.safetensors")[0].config.backbone.input_limit == 4.0
    legacy = bounded.config.to_dict()
    del legacy["backbone"]["input_limit"]
    assert ModelConfig.from_dict(legacy).backbone.input_limit == 0.0  # older checkpoints saw raw inputs


def test_limb_angles_ignore_the_view_and_the_size_of_a_body_and_the_option_survives_a_checkpoint(tmp_path) -> None:
    from core.model.tcn import ANGLES, TCNConfig, limb_cosines
    from core.skeleton.transforms import rotation_matrix

    torch.manual_seed(0)
    bodies = torch.randn(2, 16, 25, 3)
    turn = torch.from_numpy(rotation_matrix(np.array([0.4, 1.2, -0.3]))).float()
    seen_otherwise = 1.7 * bodies @ turn.T + torch.tensor([0.5, -1.0, 3.0])
    model = SkeletonContext(ModelConfig(backbone=TCNConfig(8, 8, angles=True), window=16, kpd_hidden=8)).eval()
    triples = model.backbone.angle_joints
    assert triples.shape == (len(ANGLES), 3)
    assert torch.allclose(limb_cosines(bodies, triples), limb_cosines(seen_otherwise, triples), atol=1e-5)
    arm = torch.zeros(1, 1, 25, 3)
    arm[..., JOINT["left_shoulder"], 1], arm[..., JOINT["left_elbow"], 1] = 1.0, 0.7
    arm[..., JOINT["left_wrist"], 1] = 0.4
    elbow = ANGLES.index(("left_shoulder", "left_elbow", "left_wrist"))
    cosines = limb_cosines(arm, triples)[0, 0]
    assert cosines[elbow] == pytest.approx(-1.0)  # a straight arm
    assert cosines[ANGLES.index(("right_shoulder", "right_elbow", "right_wrist"))] == 1.0  # no limb there
    x = _skeletons(3)
    with torch.no_grad():
        assert torch.isfinite(model(x)["spatial"]).all()
    save_checkpoint(tmp_path / "angles.safetensors", model, {})
    assert load_checkpoint(tmp_path / "angles.safetensors")[0].config.backbone.angles
    legacy = model.config.to_dict()
    del legacy["backbone"]["angles"]
    assert not ModelConfig.from_dict(legacy).backbone.angles  # older checkpoints read positions alone


def test_absent_bodies_do_not_change_the_embedding() -> None:
    model = SkeletonContext(TINY).eval()
    single = _skeletons(2)
    doubled = single.clone()
    doubled[:, 1] = single[:, 0]
    with torch.no_grad():
        a, b = model(single), model(doubled)
    assert torch.allclose(a["spatial"], b["spatial"], atol=1e-5)
    assert torch.allclose(a["temporal"], b["temporal"], atol=1e-5)


def test_branch_outputs_are_normalised_and_importance_is_a_distribution() -> None:
    model = SkeletonContext(TINY).eval()
    with torch.no_grad():
        out = model(_skeletons(4))
    assert out["spatial"].shape == out["temporal"].shape == (4, 384)
    assert torch.allclose(out["spatial"].norm(dim=-1), torch.ones(4), atol=1e-5)
    assert torch.allclose(out["importance"].sum(-1), torch.ones(4), atol=1e-5)
    uniform = SkeletonContext(ModelConfig(**{**TINY.__dict__, "use_kpd": False, "use_cpm": False})).eval()
    with torch.no_grad():
        plain = uniform(_skeletons(4))
    assert "temporal" not in plain
    assert torch.allclose(plain["importance"], torch.full((4, 25), 1 / 25))


def test_calibration_loss_is_zero_only_at_the_target() -> None:
    target = torch.full((2, 25), 1 / 25)
    assert float(calibration_loss(target, target)) == 0.0
    assert float(calibration_loss(torch.softmax(torch.randn(2, 25), -1), target)) > 0.0


def test_mlm_loss_counts_masked_slots_only() -> None:
    head = ContextPromptHead(16, vocab_size=50, heads=2)
    lang = torch.randn(2, 7, 16)
    padding = torch.zeros(2, 7, dtype=torch.bool)
    logits = head(lang, padding, torch.randn(2, 16), torch.tensor([[1, 3, 5], [1, 3, 5]]))
    assert logits.shape == (2, 3, 50)
    targets = torch.tensor([[[4, -1], [7, 8], [9, -1]]] * 2)
    masked = torch.tensor([[True, False, True]] * 2)
    changed = logits.clone()
    changed[:, 1] += torch.randn(2, 50) * 10  # an unmasked slot
    assert torch.allclose(mlm_loss(logits, targets, masked), mlm_loss(changed, targets, masked))
    perfect = torch.full((2, 3, 50), -30.0)
    perfect[:, 0, 4] = perfect[:, 2, 9] = 30.0
    assert float(mlm_loss(perfect, targets, masked)) < 1e-6


def test_class_logits_take_the_mean_of_the_best_valid_prototypes() -> None:
    embedding = torch.tensor([[1.0, 0.0]])
    prototypes = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], [[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]]])
    valid = torch.tensor([[True, True, True], [True, False, False]])
    logits = class_logits(embedding, prototypes, valid, top_k=2, temperature=0.5)
    assert torch.allclose(logits, torch.tensor([[(1.0 + 0.6) / 2 / 0.5, 0.0]]))


def test_a_class_is_scored_by_top_k_sentences_in_training_and_by_its_best_one_at_inference() -> None:
    model = SkeletonContext(TINY)
    assert (model.config.top_k, model.config.scoring_top_k) == (3, 1)
    rng = np.random.default_rng(0)
    classes = ClassPrototypes.from_arrays(["a", "b"], [_unit_rows(rng, 4), _unit_rows(rng, 3)], [_unit_rows(rng, 4), _unit_rows(rng, 3)])
    with torch.no_grad():
        outputs = model.eval()(_skeletons(3))
        for top_k, mode in ((3, True), (1, False)):
            model.train(mode)
            got = model.branch_logits(outputs, classes)
            want = class_logits(outputs["spatial"], classes.spatial, classes.spatial_valid, top_k, TINY.temperature)
            assert torch.allclose(got[0], want)
    with pytest.raises(ValueError, match="at least 1"):
        ModelConfig(scoring_top_k=0)


def _unit_rows(rng: np.random.Generator, rows: int) -> np.ndarray:
    values = rng.normal(size=(rows, 384))
    return values / np.linalg.norm(values, axis=-1, keepdims=True)


def test_probabilities_combine_both_branches_into_one_distribution() -> None:
    model = SkeletonContext(TINY).eval()
    rng = np.random.default_rng(0)
    unit = lambda rows: _unit_rows(rng, rows)  # noqa: E731
    classes = ClassPrototypes.from_arrays(["a", "b", "c"], [unit(2), unit(5), unit(1)], [unit(3), unit(1), unit(4)])
    with torch.no_grad():
        probabilities = model.probabilities(model(_skeletons(5)), classes)
    assert probabilities.shape == (5, 3)
    assert torch.allclose(probabilities.sum(-1), torch.ones(5), atol=1e-5)


def test_the_label_prior_is_each_labels_mean_logit_over_the_kept_windows_and_demotes_a_hub() -> None:
    from core.model.label_prior import with_label_prior

    plain = SkeletonContext(TINY).eval()
    model = with_label_prior(plain, _skeletons(6, seed=1))
    assert model.config.prior_windows == 6 and model.prior_spatial.shape == (6, 384)
    for name, value in plain.state_dict().items():  # the network itself is untouched
        assert torch.equal(model.state_dict()[name], value), name
    rng = np.random.default_rng(0)
    # "hub" is the direction every kept window points to: it fits any motion about equally well
    hub = torch.nn.functional.normalize(model.prior_spatial.float().mean(0), dim=0).numpy()[None]
    hub_temporal = torch.nn.functional.normalize(model.prior_temporal.float().mean(0), dim=0).numpy()[None]
    classes = ClassPrototypes.from_arrays(["hub", "other"], [hub, _unit_rows(rng, 2)], [hub_temporal, _unit_rows(rng, 2)])
    with torch.no_grad():
        outputs = model(_skeletons(4, seed=2))
        raw = model.branch_logits(outputs, classes)
        primed = model.with_prior(classes)
        stored = {"spatial": model.prior_spatial.float(), "temporal": model.prior_temporal.float()}
        expected = [branch - model.branch_logits(stored, classes)[i].mean(0) for i, branch in enumerate(raw)]
        for got, want in zip(model.branch_logits(outputs, primed), expected):
            assert torch.allclose(got, want, atol=1e-5)
        assert bool((primed.prior[:, 0] > primed.prior[:, 1]).all())  # the hub's prior is the larger
        # probabilities() applies the prior itself, once: the same with or without it attached first
        assert torch.allclose(model.probabilities(outputs, classes), model.probabilities(outputs, primed))
        assert model.probabilities(outputs, classes)[:, 0].mean() < plain.probabilities(outputs, classes)[:, 0].mean()
    assert plain.with_prior(classes) is classes  # a model without kept windows scores as before
    with pytest.raises(ValueError, match="at least one window"):
        with_label_prior(plain, _skeletons(0))
    with pytest.raises(ValueError, match="prior_windows cannot be negative"):
        ModelConfig(prior_windows=-1)


def test_a_checkpoint_keeps_the_label_prior_and_one_without_it_loads_as_before(tmp_path) -> None:
    from core.model.label_prior import with_label_prior

    plain = SkeletonContext(TINY).eval()
    save_checkpoint(tmp_path / "plain.safetensors", plain, {})
    loaded, _ = load_checkpoint(tmp_path / "plain.safetensors")
    assert loaded.config.prior_windows == 0 and not any(name.startswith("prior_") for name in loaded.state_dict())
    kept = with_label_prior(plain, _skeletons(3))
    save_checkpoint(tmp_path / "prior.safetensors", kept, {})
    again, _ = load_checkpoint(tmp_path / "prior.safetensors")
    assert again.config.prior_windows == 3
    assert torch.equal(again.prior_spatial, kept.prior_spatial) and torch.equal(again.prior_temporal, kept.prior_temporal)


def test_prototype_sentences_use_descriptions_only_when_asked() -> None:
    class Known:
        spatial = ["the right arm rises."]
        temporal = ["it starts still and ends still."]

    full = prototype_sentences("Wave  Right Hand", Known(), "descriptions")
    assert full["spatial"][-1] == "the right arm rises." and "wave right hand" in full["spatial"][0]
    assert full["temporal"][-1] == "it starts still and ends still."
    assert prototype_sentences("wave", Known(), "names")["spatial"] == prototype_sentences("wave", None, "descriptions")["spatial"]
    assert prototype_sentences("wave", None, "template")["spatial"] == ["a person wave"]
    with pytest.raises(ValueError, match="empty"):
        prototype_sentences("  ", None, "names")
    with pytest.raises(ValueError, match="unknown prototype kind"):
        prototype_sentences("wave", None, "poems")


def test_name_templates_are_cut_only_where_descriptions_follow_them() -> None:
    class Known:
        spatial = ["the right arm rises.", "the hand swings."]
        temporal = ["it starts still."]

    described = prototype_sentences("wave", Known(), "descriptions")["spatial"]
    templates = prototype_sentences("wave", None, "descriptions")["spatial"]
    assert with_name_templates(described, 1) == [templates[0], *Known.spatial]
    assert with_name_templates(described, 0) == Known.spatial
    assert with_name_templates(described, len(NAME_TEMPLATES)) == described
    assert with_name_templates(templates, 0) == templates  # the name is all an undescribed class has
    assert with_name_templates(list(range(len(described))), 2) == [0, 1, 4, 5]  # a bank's rows cut alike
    with pytest.raises(ValueError, match="0 to 4 name templates"):
        with_name_templates(described, 5)


def test_a_model_keeps_as_many_name_templates_as_it_was_trained_with() -> None:
    class Known:
        spatial = ["the right arm rises."]
        temporal = ["it starts still.", "it ends still."]

    one = prototype_sentences("wave", Known(), "descriptions", name_templates=1)
    assert one == {"spatial": ["a person wave.", *Known.spatial], "temporal": ["a person wave.", *Known.temporal]}
    assert prototype_sentences("wave", None, "descriptions", name_templates=0)["spatial"] == \
        prototype_sentences("wave", None, "descriptions")["spatial"]  # an undescribed class keeps its name
    assert ModelConfig().name_templates == len(NAME_TEMPLATES)
    saved = ModelConfig(name_templates=1).to_dict()
    assert ModelConfig.from_dict(saved).name_templates == 1
    del saved["name_templates"]  # a checkpoint from before the setting existed
    assert ModelConfig.from_dict(saved).name_templates == len(NAME_TEMPLATES)
    with pytest.raises(ValueError, match="name_templates must be 0 to 4"):
        ModelConfig(name_templates=5)


def test_prepare_window_normalises_resamples_and_pads() -> None:
    rng = np.random.default_rng(1)
    clip = rng.normal(size=(40, 25, 3)).astype(np.float32) + np.float32([0.0, 0.0, 3.0])
    window = prepare_window(clip, length=24)
    assert window.shape == (2, 24, 25, 3) and window.dtype == np.float32
    assert np.all(window[1] == 0)
    assert np.allclose(window[0, 0, 1], 0.0, atol=1e-5)  # centred on the first frame's spine mid
    three = prepare_window(np.stack([clip, clip, clip]), length=8)
    assert three.shape == (2, 8, 25, 3) and np.any(three[1] != 0)
    with pytest.raises(ValueError, match="no frames"):
        prepare_window(np.zeros((0, 25, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="expected a skeleton"):
        prepare_window(np.zeros((10, 20, 3), dtype=np.float32))


def test_checkpoint_round_trip(tmp_path) -> None:
    model = SkeletonContext(TINY).eval()
    path = tmp_path / "model.safetensors"
    save_checkpoint(path, model, {"classes": ["a", "b"], "split": "split1"})
    loaded, metadata = load_checkpoint(path)
    assert metadata == {"classes": ["a", "b"], "split": "split1"}
    assert loaded.config == TINY
    x = _skeletons(2)
    with torch.no_grad():
        assert torch.allclose(model(x)["spatial"], loaded(x)["spatial"], atol=1e-6)
    assert read_checkpoint_metadata(path)[0] == TINY


def test_checkpoint_errors_are_clear(tmp_path) -> None:
    model = SkeletonContext(TINY)
    path = tmp_path / "model.safetensors"
    save_checkpoint(path, model, {})
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(truncated)
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "absent.safetensors")
    from safetensors.torch import save_file

    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(foreign))
    with pytest.raises(CheckpointError, match="not a SkeletonContext model"):
        load_checkpoint(foreign)
    mismatched = tmp_path / "mismatched.safetensors"
    other = SkeletonContext(ModelConfig(**{**TINY.__dict__, "use_cpm": False}))
    state = {k: v.contiguous() for k, v in other.state_dict().items()}
    import json

    save_file(state, str(mismatched), metadata={"skeletoncontext_config": json.dumps(TINY.to_dict())})
    with pytest.raises(CheckpointError, match="does not match"):
        load_checkpoint(mismatched)


def test_spatial_shift_gradient_is_exact() -> None:
    from core.model.shiftgcn import SpatialShiftConv

    torch.manual_seed(0)
    layer = SpatialShiftConv(6, 10).double()
    x = torch.randn(2, 6, 4, 25, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (x,))
