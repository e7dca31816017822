/// The known name a mistyped one most likely meant, for "did you mean" in errors.
public enum NearestName {
    /// The candidate within a few edits of `name` (a third of its length, 1 to 3), or else one
    /// that starts with it; nil when none is close enough to suggest.
    public static func suggest(_ name: String, among candidates: [String]) -> String? {
        let typed = Array(name.lowercased())
        let scored = candidates.map { ($0, distance(typed, Array($0.lowercased()))) }
        if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(1, min(3, typed.count / 3)) { return best.0 }
        return typed.count >= 3 ? candidates.first { $0.lowercased().hasPrefix(name.lowercased()) } : nil
    }

    /// `suggest` for an error message: " (did you mean 'x'?)", or "".
    public static func hint(_ name: String, among candidates: [String]) -> String {
        suggest(name, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Levenshtein distance: insertions, deletions and substitutions.
    public static func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in 1...b.count {
                let substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)
                diagonal = row[j]
                row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
            }
        }
        return row[b.count]
    }
}
