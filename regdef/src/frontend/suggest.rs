//! "Did you mean" hints: the closest known name by edit distance.

/// `did you mean `x`?` for the candidate closest to `name`, if one is close enough
/// to be a plausible typo.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The closest candidate within a third of the name's length (at least 1 edit),
/// comparing case-insensitively; ties go to the first candidate.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = distance(&lower, &c.to_lowercase());
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and
/// transpositions of neighbours each cost 1.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("cmdqen", "cmdqen"), 0);
        assert_eq!(distance("cmdqne", "cmdqen"), 1);
        assert_eq!(distance("cmdq", "cmdqen"), 2);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn suggests_only_plausible_typos() {
        let names = ["smmuen", "cmdqen", "eventqen"];
        assert_eq!(closest("cmdqne", names), Some("cmdqen"));
        assert_eq!(closest("CMDQEN", names), Some("cmdqen"));
        assert_eq!(closest("xyz", names), None);
        assert_eq!(
            did_you_mean("woclear", ["woclr", "woset"]),
            Some("did you mean `woclr`?".into())
        );
    }
}
