/// An input line that was not accepted, with what is needed to fix and re-feed it.
public struct TransactionReject: Hashable, Sendable {
    /// The file the line came from.
    public var file: String
    /// The physical line on which the record starts (the header is line 1).
    public var line: Int
    /// The `line_id` field as written, or empty when it could not be read.
    public var lineID: String
    /// Every reason the line was refused, `; `-separated, each led by its column.
    public var reason: String
    /// The record's raw bytes, without the line break.
    public var raw: [UInt8]
}

extension [TransactionReject] {
    /// Sorts the rejects in file order (`files`, the order the files were given), then line order.
    /// - Complexity: O(n log n), with each reject's file looked up once, not once a comparison.
    mutating func sortInFileOrder(_ files: [String]) {
        let rank = Dictionary(files.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let keyed = map { (rank[$0.file] ?? 0, $0.line) }
        // Ties (a file given twice) keep their order: the result does not depend on the sort's.
        let order = indices.sorted { keyed[$0] < keyed[$1] || (keyed[$0] == keyed[$1] && $0 < $1) }
        self = order.map { self[$0] }
    }
}
