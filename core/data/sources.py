"""Which archive in the shared data folder holds which source, and which module reads it."""

from __future__ import annotations

from types import ModuleType

from core.data import bandai, cad60, hdm05, kard, msr_action3d, nwucla, penn_action, utkinect

# source name -> (archive under DATA/raw, reader module with read_source(root) -> SourceRead)
SOURCES: dict[str, tuple[str, ModuleType]] = {
    nwucla.SOURCE: ("nw-ucla.tar.xz", nwucla),
    kard.SOURCE: ("kard.tar.xz", kard),
    msr_action3d.SOURCE: ("msr-action3d.tar.xz", msr_action3d),
    utkinect.SOURCE: ("utkinect.tar.xz", utkinect),
    cad60.SOURCE: ("cad-60.tar.xz", cad60),
    bandai.SOURCE: ("bandai-namco.tar.xz", bandai),
    hdm05.SOURCE: ("hdm05.tar.xz", hdm05),
    penn_action.SOURCE: ("penn-action.tar.xz", penn_action),
}
