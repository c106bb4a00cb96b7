//! The bit-field drawing of one register, as inline SVG.
//!
//! One row of boxes per 32 bits (a 64-bit register has two rows: bits 63..32 above
//! 31..0), most significant bit on the left and bit numbers at the edges of each
//! field, as in the Arm ARM. A field's name is written in its box when it fits, otherwise vertically
//! under the row. RES0 gaps are hatched. Each field box links to its row in the field
//! table and carries a tooltip (`<title>`). Coordinates are integers, so the output
//! is byte-for-byte deterministic.

use std::fmt::Write as _;

use super::html::esc;
use super::{RegDoc, Row};

/// Width of one bit, in user units (pixels at scale 1).
const CELL: u32 = 26;
/// Height of a field box.
const BOX_H: u32 = 34;
/// Height of the bit-number line above a row of boxes.
const NUM_H: u32 = 14;
/// Left and right margin.
const MARGIN: u32 = 4;
/// Estimated advance of one character of the 11px monospace label font.
const CHAR_W: u32 = 7;
/// The id of the RES0 hatch pattern, defined once per page (see `html.rs`).
pub(super) const HATCH_ID: &str = "twinreg-res0";

/// One piece of a row: bits `msb..=lsb` (register numbering) of a field or a gap.
struct Piece<'a> {
    msb: u32,
    lsb: u32,
    row: &'a Row,
}

fn fill(access: &str) -> &'static str {
    match access {
        "RW" => "#dbeafe",
        "RO" | "NA" => "#eef1f4",
        "WO" => "#dcfce7",
        _ => "#fde9c8",
    }
}

/// Appends the `<svg>` element for register `r` to `out`.
pub(super) fn bitfield(out: &mut String, r: &RegDoc) {
    let per_row = r.width.clamp(1, 32);
    let rows = r.width / per_row;
    let width = per_row * CELL + 2 * MARGIN;
    let mut body = String::with_capacity(4096);
    let mut y = 0;
    for k in 0..rows {
        let hi = r.width - 1 - k * per_row;
        let lo = hi + 1 - per_row;
        let x_of = |bit: u32| MARGIN + (hi - bit) * CELL;
        let top = y + NUM_H;
        // Pieces of this row, most significant first.
        let mut pieces: Vec<Piece> = r
            .rows
            .iter()
            .filter_map(|row| {
                let (l, m) = match row {
                    Row::Field(f) => (f.lsb, f.msb),
                    Row::Res0 { lsb, msb } => (*lsb, *msb),
                };
                (m >= lo && l <= hi).then(|| Piece {
                    msb: m.min(hi),
                    lsb: l.max(lo),
                    row,
                })
            })
            .collect();
        pieces.sort_by_key(|p| std::cmp::Reverse(p.msb));
        // Bit numbers at the edges of every field and gap, as in the Arm ARM.
        let mut numbered: Vec<u32> = pieces.iter().flat_map(|p| [p.msb, p.lsb]).collect();
        numbered.dedup();
        for bit in numbered {
            let _ = writeln!(
                body,
                r#"<text x="{}" y="{}" class="bn">{bit}</text>"#,
                x_of(bit) + CELL / 2,
                y + NUM_H - 3
            );
        }
        let mut below: Vec<(u32, &str)> = Vec::new();
        for p in &pieces {
            let x = x_of(p.msb);
            let w = (p.msb - p.lsb + 1) * CELL;
            let cx = x + w / 2;
            match p.row {
                Row::Res0 { .. } => {
                    let _ = writeln!(
                        body,
                        r##"<rect x="{x}" y="{top}" width="{w}" height="{BOX_H}" class="res0" fill="url(#{HATCH_ID})"><title>{} RES0</title></rect>"##,
                        p.row.bits()
                    );
                    if 4 * CHAR_W + 6 <= w {
                        let _ = writeln!(
                            body,
                            r#"<text x="{cx}" y="{}" class="r0">RES0</text>"#,
                            top + BOX_H / 2 + 4
                        );
                    }
                }
                Row::Field(f) => {
                    let fits = f.name.len() as u32 * CHAR_W + 6 <= w;
                    let _ = writeln!(
                        body,
                        r##"<a href="#{}"><title>{} {}: {}, reset {}</title><rect x="{x}" y="{top}" width="{w}" height="{BOX_H}" fill="{}" class="fld"/>"##,
                        f.anchor,
                        esc(&f.name),
                        p.row.bits(),
                        f.access,
                        esc(&f.reset),
                        fill(f.access)
                    );
                    if fits {
                        let _ = writeln!(
                            body,
                            r#"<text x="{cx}" y="{}" class="fn">{}</text>"#,
                            top + BOX_H / 2 + 4,
                            esc(&f.name)
                        );
                    } else {
                        below.push((cx, f.name.as_str()));
                    }
                    body.push_str("</a>\n");
                }
            }
        }
        // Ticks mark the bits inside a multi-bit box.
        for bit in (lo..hi).rev() {
            if !pieces.iter().any(|p| p.lsb == bit + 1) {
                let x = x_of(bit);
                let _ = writeln!(
                    body,
                    r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" class="tick"/>"#,
                    top + BOX_H - 6,
                    top + BOX_H
                );
            }
        }
        y = top + BOX_H;
        if let Some(longest) = below.iter().map(|(_, n)| n.len() as u32).max() {
            for (cx, name) in &below {
                let _ = writeln!(
                    body,
                    r#"<text transform="translate({},{}) rotate(90)" class="fv">{}</text>"#,
                    cx - 4,
                    y + 5,
                    esc(name)
                );
            }
            y += longest * CHAR_W + 10;
        } else {
            y += 6;
        }
    }
    let _ = writeln!(
        out,
        "<svg class=\"bitfield\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {y}\" width=\"{width}\" height=\"{y}\" role=\"img\" aria-label=\"Bit fields of {}\">",
        esc(&r.name)
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
}
