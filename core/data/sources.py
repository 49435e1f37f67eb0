"""Which archive in the shared data folder holds which source, and which module reads it."""

from __future__ import annotations

from types import ModuleType

from core.data import (
    ase, bandai, cad60, hdm05, jhmdb, kard, kinder_gator, md4fd, motions, msr_action3d, nwucla, penn_action,
    posepilot, pushfit, sbu, utd_mhad, utkinect,
)

# source name -> (archive under DATA/raw, reader module with read_source(root) -> SourceRead)
SOURCES: dict[str, tuple[str, ModuleType]] = {
    nwucla.SOURCE: ("nw-ucla.tar.xz", nwucla),
    kard.SOURCE: ("kard.tar.xz", kard),
    msr_action3d.SOURCE: ("msr-action3d.tar.xz", msr_action3d),
    utkinect.SOURCE: ("utkinect.tar.xz", utkinect),
    cad60.SOURCE: ("cad-60.tar.xz", cad60),
    bandai.SOURCE: ("bandai-namco.tar.xz", bandai),
    kinder_gator.SOURCE: ("kinder-gator.tar.xz", kinder_gator),
    utd_mhad.SOURCE: ("utd-mhad.tar.xz", utd_mhad),
    sbu.SOURCE: ("sbu.tar.xz", sbu),
    hdm05.SOURCE: ("hdm05.tar.xz", hdm05),
    penn_action.SOURCE: ("penn-action.tar.xz", penn_action),
    jhmdb.SOURCE: ("jhmdb.tar.xz", jhmdb),
    posepilot.SOURCE: ("posepilot-yoga.tar.xz", posepilot),
    pushfit.SOURCE: ("pushfit.tar.xz", pushfit),
    md4fd.SOURCE: ("md4fd.tar.xz", md4fd),
    motions.SOURCE: ("motions.tar.xz", motions),
    ase.SOURCE: ("ase.tar.xz", ase),
}
# The converted packs (a clips.tsv and one .npz per sequence): their readers name each row's subject.
PACK_SOURCES = {ase.SOURCE, jhmdb.SOURCE, md4fd.SOURCE, motions.SOURCE, posepilot.SOURCE, pushfit.SOURCE}
# Sources recorded as 2D image joints of ordinary video (the app's kind of input): their corpus
# skeletons are the lifter's own output, so the lifter never trains on them (core.training.lifter)
# and the rest are measured 3D; training can let them carry the actions they share (--video-share).
LIFTED_SOURCES = {jhmdb.SOURCE, md4fd.SOURCE, motions.SOURCE, penn_action.SOURCE, posepilot.SOURCE, pushfit.SOURCE}
