import Dispatch

extension TransactionCSVReader {
    /// One window of a streamed read: its accepted records in input order (`end` filled), its
    /// rejects with their line numbers in their files, and its totals. Duplicate ids are not
    /// checked: a window cannot see the others, so the caller checks them across windows.
    struct Window {
        var records: [AcceptedRecord]
        var rejects: [TransactionReject]
        var totals: IngestTotals
    }

    /// Reads the files as ``read(_:)`` does, but a window of about `windowBytes` at a time, so
    /// memory holds one window's parse, not the input's: each window's records go to `body`, and
    /// its chunks are freed (and mapped pages dropped) before the next is parsed.
    /// - Throws: ``RebateError/invalidInput(_:)`` for an unusable header; what `body` throws.
    /// - Complexity: O(input bytes); memory O(`windowBytes`).
    func stream(
        _ files: [SourceFile], windowBytes: Int, _ body: (Window) throws(RebateError) -> Void
    ) throws(RebateError) {
        let headers = try Self.headers(files)
        let pieces = Self.cut(files, headers: headers, chunkBytes: chunkBytes, maxPieceBytes: maxPieceBytes)
        let result: Result<Void, RebateError> = withContexts(files, headers: headers) { contexts in
            progress?.begin(.reading, total: pieces.count)
            var cursor = Cursor()
            for range in Self.windows(pieces, bytes: windowBytes) {
                let (chunks, base) = Self.parse(
                    pieces[range], contexts: contexts, files: files, headers: headers, cursor: &cursor,
                    progress: progress)
                let window = Self.window(contexts, chunks, base: base)
                // Finding each record's end read its bytes again: drop those pages too.
                for piece in pieces[range] where files[piece.file].releasesPages {
                    FileBytes.release(files[piece.file].bytes, piece.from..<piece.to)
                }
                do throws(RebateError) { try body(window) } catch { return .failure(error) }
            }
            return .success(())
        }
        try result.get()
    }

    /// A window's records, rejects and totals from its parsed chunks, whose memory it frees.
    /// Chunks are turned into records in parallel (finding each record's end reads it again).
    static func window(_ contexts: [Context], _ chunks: [Chunk], base: [Int]) -> Window {
        var parts = [[AcceptedRecord]](repeating: [], count: chunks.count)
        parts.withUnsafeMutableBufferPointer { slots in
            // Disjoint writes: a worker fills only the slot of the chunk it was handed.
            let out = UnsafeTransfer(slots)
            // Read-only: chunks and bytes are not written while the workers run.
            let shared = UnsafeTransfer((contexts, chunks))
            DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                let (contexts, chunks) = shared.wrappedValue
                let chunk = chunks[c]
                let part = chunk.columns
                let cx = contexts[chunk.file]
                let records = acceptedRecords(chunk, base: base[c]) { recordEnd(cx, from: $0) }
                part.releaseAll()
                out.wrappedValue[c] = records
            }
        }
        var out = Window(records: [], rejects: [], totals: IngestTotals())
        out.records.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for (c, chunk) in chunks.enumerated() {
            out.records += parts[c]
            out.totals.add(chunk.totals)
            for var r in chunk.rejects {
                r.line += base[c]
                out.rejects.append(r)
            }
        }
        return out
    }

    /// Where the accepted record at `start` ends, without its line break: its first line break when
    /// no quote comes before it (a quoted field may hold line breaks: then the scanner decides).
    static func recordEnd(_ cx: Context, from start: Int) -> Int {
        let bytes = cx.bytes
        var p = start
        while p < bytes.count {
            let b = bytes[p]
            if b == 10 { return p > start && bytes[p - 1] == 13 ? p - 1 : p }
            if b == UInt8(ascii: "\"") { return record(cx, at: start).end }
            p += 1
        }
        return p
    }
}
