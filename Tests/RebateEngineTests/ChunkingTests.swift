import Testing

@testable import RebateEngine

/// The parallel CSV reader gives exactly the sequential result wherever the file is cut.
@Suite struct ChunkingTests {
    static let text =
        "line_id,date,partner_id,product_id,quantity,amount\r\n"
        + "L1,2026-01-01,P1,B,1,1.00\r\n"
        + "\r\n"
        + "\"L\n2\",2026-01-02,P1,B,2,2.00\n"
        + "L3,2026-01-03,\"P1\",B,3,\"3.00\"\n"
        + "L1,2026-01-04,P1,B,4,4.00\n" // duplicate of line 2
        + "L5,2026-02-30,P1,B,5,5.00\n" // bad date
        + "L6,2026-01-06,P1,B,\"6,6.00\n" // unterminated quote
        + "L7,2026-01-07,P1,B,7,7.00\n"
        + "\n\n"
        + "\"L,8\",2026-01-08,P2,\"A\",\"8\",8.00\n"
        + "L9,2026-01-09,P2,A,9\n" // too few fields
        + "\"L\"\"10\",2026-01-10,P2,A,10,10.00\n"
        + "L\"\"10,2026-01-11,P2,A,1,1.00\n" // quote inside an unquoted field
        + "\"L\"\"10\",2026-01-12,P2,A,1,1.00\n" // duplicate of the escaped id on line 16
        + "L13,2026-01-13,P2,A,13,13.00" // no final line break

    func read(chunkBytes: Int, threads: Int) throws -> TransactionCSVReader.Output {
        var bytes = Array(Self.text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { b in
            var reader = TransactionCSVReader(
                partners: [Partner(id: "P1", name: ""), Partner(id: "P2", name: "")],
                products: [Product(id: "A", name: "", category: "C"), Product(id: "B", name: "", category: "C")],
                decimals: 2, threads: threads)
            reader.chunkBytes = chunkBytes
            return try reader.read(UnsafeBufferPointer(b), fileName: "transactions.csv")
        }
    }

    @Test func everyCutGivesTheSameResult() throws {
        let reference = try read(chunkBytes: 1 << 20, threads: 1)
        // Hand-checked: which lines are rejected, and why.
        #expect(reference.rejects.map(\.line) == [7, 8, 9, 14, 16, 17])
        for (reject, reason) in zip(
            reference.rejects,
            [
                "duplicate of line 2", "date:", "unterminated quoted field", "expected 6 fields, found 5",
                "quote inside an unquoted field", "duplicate of line 15",
            ])
        {
            #expect(reject.reason.contains(reason), "\(reject.line): \(reject.reason)")
        }
        #expect(reference.rejects[5].lineID == "L\"10")
        #expect(reference.columns.quantity == [1000, 2000, 3000, 7000, 8000, 10_000, 13_000])
        #expect(reference.totals.linesRead == 13)
        for chunk in [1, 2, 3, 5, 7, 11, 16, 33, 64, 100] {
            for threads in [1, 3] {
                let r = try read(chunkBytes: chunk, threads: threads)
                #expect(r.rejects == reference.rejects, "chunk \(chunk)")
                #expect(r.columns.quantity == reference.columns.quantity, "chunk \(chunk)")
                #expect(r.columns.day == reference.columns.day, "chunk \(chunk)")
                #expect(r.totals == reference.totals, "chunk \(chunk)")
            }
        }
    }

    /// The id lookup's word-at-a-time key comparison against a byte-by-byte one, on keys of every
    /// length up to 40 that differ at every position (or not at all), at unaligned offsets.
    @Test func idKeysCompareLikeBytes() {
        var rng = SplitMix(seed: 11)
        let pool = (0..<256).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4 + 65) }
        pool.withUnsafeBufferPointer { a in
            var copy = pool
            for n in 0...40 {
                for i in [0, 3, 7] {
                    for j in [1, 5, 8] {
                        for flip in [-1] + Array(0..<n) {
                            copy[j..<j + n] = pool[i..<i + n]
                            if flip >= 0 { copy[j + flip] &+= 1 }
                            let expected = Array(pool[i..<i + n]) == Array(copy[j..<j + n])
                            copy.withUnsafeBufferPointer { b in
                                #expect(ByteKeyTable.equal(a, i, b, j, n) == expected, "n \(n) flip \(flip)")
                            }
                        }
                    }
                }
            }
        }
    }
}
