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
