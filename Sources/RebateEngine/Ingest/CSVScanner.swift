/// One field of a CSV record: a byte range of the file.
struct CSVField {
    var start: Int
    var end: Int
    /// The field was quoted and holds `""` pairs that must be unescaped.
    var hasEscapedQuotes: Bool
}

/// One record as found in the file.
struct CSVRecord {
    /// The physical line on which the record starts (the header is line 1).
    var line: Int
    /// Byte range of the raw record text, without its line break.
    var start: Int
    var end: Int
    /// Why the record is malformed, or `nil`.
    var error: String?
}

/// An RFC 4180 scanner over bytes in memory.
///
/// Malformed records never swallow their neighbours: when a record cannot be
/// read (an unterminated quote, a quote inside an unquoted field, text after a
/// closing quote, a quoted line break that leaves the wrong field count), the
/// record is cut back to its first physical line and reading resumes on the
/// next one, so every other line is still read and nothing is lost.
struct CSVScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int
    private(set) var line: Int
    /// The field count every record must have, once the header is read.
    var expectedFields: Int?
    /// The longest record accepted, in bytes.
    var maxRecordBytes = 1 << 20

    init(bytes: UnsafeBufferPointer<UInt8>, startLine: Int = 1) {
        self.bytes = bytes
        var p = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { p = 3 }
        self.position = p
        self.line = startLine
    }

    /// Starts reading at `position`, a record boundary, counting lines from `line`.
    init(bytes: UnsafeBufferPointer<UInt8>, position: Int, line: Int) {
        self.bytes = bytes
        self.position = position
        self.line = line
    }

    /// Moves to `position`, a record boundary, on line `line`.
    mutating func seek(to position: Int, line: Int) {
        self.position = position
        self.line = line
    }

    /// Skips blank lines, which still count for line numbers.
    mutating func skipBlankLines() {
        let n = bytes.count
        while position < n {
            if bytes[position] == 10 {
                position += 1
                line += 1
                continue
            }
            if bytes[position] == 13, position + 1 < n, bytes[position + 1] == 10 {
                position += 2
                line += 1
                continue
            }
            break
        }
    }

    /// Reads the next record into `fields`; `nil` at the end of the input.
    // One piece: an RFC 4180 state machine; its states are easier to check side by side.
    mutating func next(fields: inout [CSVField]) -> CSVRecord? {
        let n = bytes.count
        skipBlankLines()
        guard position < n else { return nil }
        fields.removeAll(keepingCapacity: true)
        let recordStart = position
        let recordLine = line
        var p = position
        var linesInside = 0
        while true {
            if p < n, bytes[p] == UInt8(ascii: "\"") {
                p += 1
                let fieldStart = p
                var escaped = false
                var closed = false
                while p < n {
                    let c = bytes[p]
                    if c == UInt8(ascii: "\"") {
                        if p + 1 < n, bytes[p + 1] == UInt8(ascii: "\"") {
                            escaped = true
                            p += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if c == 10 { linesInside += 1 }
                    p += 1
                    if p - recordStart > maxRecordBytes { break }
                }
                if !closed {
                    return cutToFirstLine(
                        recordStart, recordLine,
                        p - recordStart > maxRecordBytes
                            ? "record longer than \(maxRecordBytes) bytes (or an unterminated quoted field)"
                            : "unterminated quoted field")
                }
                fields.append(CSVField(start: fieldStart, end: p, hasEscapedQuotes: escaped))
                p += 1
                if p < n, bytes[p] != UInt8(ascii: ","), bytes[p] != 10,
                    !(bytes[p] == 13 && (p + 1 == n || bytes[p + 1] == 10))
                {
                    // A quote that closes lines later, mid-field, was really never closed on its own line.
                    return cutToFirstLine(
                        recordStart, recordLine,
                        linesInside > 0 ? "unterminated quoted field" : "unexpected character after a closing quote")
                }
            } else {
                let fieldStart = p
                while p < n {
                    let c = bytes[p]
                    if c == UInt8(ascii: ",") || c == 10 { break }
                    if c == UInt8(ascii: "\"") {
                        return cutToFirstLine(
                            recordStart, recordLine,
                            linesInside > 0 ? "unterminated quoted field" : "quote inside an unquoted field")
                    }
                    p += 1
                }
                if p - recordStart > maxRecordBytes {
                    return cutToFirstLine(recordStart, recordLine, "record longer than \(maxRecordBytes) bytes")
                }
                var fieldEnd = p
                if fieldEnd > fieldStart, bytes[fieldEnd - 1] == 13 { fieldEnd -= 1 } // CR of CR LF, or a final CR
                fields.append(CSVField(start: fieldStart, end: fieldEnd, hasEscapedQuotes: false))
            }
            if p < n, bytes[p] == UInt8(ascii: ",") {
                p += 1
                continue
            }
            // End of record: a line break or the end of the input.
            var rawEnd = p
            if p < n, bytes[p] == 13 { p += 1 } // CR LF after a closing quote
            if p < n, bytes[p] == 10 {
                if rawEnd == p, rawEnd > recordStart, bytes[rawEnd - 1] == 13 { rawEnd -= 1 }
                p += 1
            }
            if let expected = expectedFields, fields.count != expected {
                if linesInside > 0 {
                    return cutToFirstLine(
                        recordStart, recordLine,
                        "quoted line break leaves \(fields.count) fields, expected \(expected) (unbalanced quote?)")
                }
                position = p
                line = recordLine + 1
                return CSVRecord(
                    line: recordLine, start: recordStart, end: rawEnd,
                    error: "expected \(expected) fields, found \(fields.count)")
            }
            position = p
            line = recordLine + linesInside + 1
            return CSVRecord(line: recordLine, start: recordStart, end: rawEnd, error: nil)
        }
    }

    /// Ends a malformed record at the end of its first physical line.
    private mutating func cutToFirstLine(_ recordStart: Int, _ recordLine: Int, _ reason: String) -> CSVRecord {
        var e = recordStart
        while e < bytes.count, bytes[e] != 10 { e += 1 }
        position = e < bytes.count ? e + 1 : e
        line = recordLine + 1
        let rawEnd = e > recordStart && bytes[e - 1] == 13 && e < bytes.count ? e - 1 : e
        return CSVRecord(line: recordLine, start: recordStart, end: rawEnd, error: reason)
    }

    /// The field's text, with `""` unescaped.
    func text(_ f: CSVField) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])
        if !f.hasEscapedQuotes { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            out.append(raw[i])
            i += raw[i] == UInt8(ascii: "\"") ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The field's bytes, with `""` unescaped.
    func fieldBytes(_ f: CSVField) -> [UInt8] {
        let raw = UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])
        if !f.hasEscapedQuotes { return Array(raw) }
        var out: [UInt8] = []
        var i = 0
        while i < raw.count {
            out.append(raw[i])
            i += raw[i] == UInt8(ascii: "\"") ? 2 : 1
        }
        return out
    }

    /// Whether the bytes in `start..<end` are valid UTF-8.
    func isValidUTF8(_ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            let c = bytes[i]
            if c < 0x80 {
                i += 1
                continue
            }
            let need: Int
            let minScalar: UInt32
            var scalar: UInt32
            if c & 0xE0 == 0xC0 {
                need = 1
                minScalar = 0x80
                scalar = UInt32(c & 0x1F)
            } else if c & 0xF0 == 0xE0 {
                need = 2
                minScalar = 0x800
                scalar = UInt32(c & 0x0F)
            } else if c & 0xF8 == 0xF0 {
                need = 3
                minScalar = 0x10000
                scalar = UInt32(c & 0x07)
            } else {
                return false
            }
            guard i + need < end else { return false }
            for k in 1...need {
                let cc = bytes[i + k]
                guard cc & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(cc & 0x3F)
            }
            if scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return false }
            i += need + 1
        }
        return true
    }
}
