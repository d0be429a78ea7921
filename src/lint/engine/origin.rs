//! Where a piece of text sits in the file: positions inside a DO body, a function body or an
//! `EXECUTE` string map back to the file's line and column.

use sqlparser::tokenizer::Location;

use crate::lint::finding::Pos;

/// Maps positions of a piece of text (1-based, relative to the piece) to the file.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// Where the piece starts in the file.
    pub pos: Pos,
    /// Every position maps to `pos` (used when the piece is an unescaped string whose
    /// characters no longer line up with the file).
    pub pinned: bool,
}

impl Origin {
    /// Map a location relative to the piece.
    #[must_use]
    pub fn map(self, rel: Pos) -> Pos {
        if self.pinned || rel.line == 0 {
            return self.pos;
        }
        if rel.line == 1 {
            Pos {
                line: self.pos.line,
                col: self.pos.col + rel.col.saturating_sub(1),
            }
        } else {
            Pos {
                line: self.pos.line + rel.line - 1,
                col: rel.col,
            }
        }
    }

    /// The origin of a sub-piece starting at `rel`.
    #[must_use]
    pub fn at(self, rel: Pos) -> Origin {
        Origin {
            pos: self.map(rel),
            pinned: self.pinned,
        }
    }
}

pub(super) fn map_loc(o: Origin, l: Location) -> Location {
    let p = o.map(Pos::from_loc(l));
    Location {
        line: p.line,
        column: p.col,
    }
}
