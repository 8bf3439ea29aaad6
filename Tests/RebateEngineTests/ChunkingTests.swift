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

    func read(chunkBytes: Int, threads: Int, segmentBytes: Int? = nil, maxPieceBytes: Int = Int(UInt32.max)) throws
        -> TransactionCSVReader.Output
    {
        var bytes = Array(Self.text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { b in
            var reader = TransactionCSVReader(
                partners: [Partner(id: "P1", name: ""), Partner(id: "P2", name: "")],
                products: [Product(id: "A", name: "", category: "C"), Product(id: "B", name: "", category: "C")],
                decimals: 2, threads: threads)
            reader.chunkBytes = chunkBytes
            reader.segmentBytes = segmentBytes
            reader.maxPieceBytes = maxPieceBytes
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
        // Each chunk its own window too (`segmentBytes` 1): records cut across windows, duplicates in other windows.
        for chunk in [1, 2, 3, 5, 7, 11, 16, 33, 64, 100] {
            for (threads, segmentBytes) in [(1, nil), (3, nil), (2, 1)] as [(Int, Int?)] {
                let r = try read(chunkBytes: chunk, threads: threads, segmentBytes: segmentBytes)
                #expect(r.rejects == reference.rejects, "chunk \(chunk)")
                #expect(r.columns.quantity == reference.columns.quantity, "chunk \(chunk)")
                #expect(r.columns.day == reference.columns.day, "chunk \(chunk)")
                #expect(r.totals == reference.totals, "chunk \(chunk)")
            }
        }
        // Pieces of at most a few bytes, cut inside lines (as a file with a line longer than 4 GiB would
        // be): the fix-up parses each piece again from where the record cut there ends.
        for maxPiece in [2, 3, 7, 20] {
            let r = try read(chunkBytes: 1 << 20, threads: 2, segmentBytes: 1, maxPieceBytes: maxPiece)
            #expect(r.rejects == reference.rejects, "piece \(maxPiece)")
            #expect(r.columns.quantity == reference.columns.quantity, "piece \(maxPiece)")
            #expect(r.columns.day == reference.columns.day, "piece \(maxPiece)")
            #expect(r.totals == reference.totals, "piece \(maxPiece)")
        }
    }

    /// A read in windows of every width (each window's lines grouped into a segment of their own):
    /// the same lines as a plain reading written here (the first line of each id kept, the lines
    /// grouped by partner in file order), and the same accruals whether the engine walks the
    /// windows' segments or those lines.
    @Test func windowsOfEveryWidthGiveTheSameLinesAndAccruals() throws {
        // Two files of generated lines: ids repeat (within a file and across them), one line in 40
        // names an unknown partner (rejected, so its id is not taken).
        var rng = SplitMix(seed: 23)
        let partnerIDs = ["P1", "P2", "P3", "P4"]
        let productIDs = ["A", "B", "C", "D"]
        var files = ["", ""]
        var expected: [(partner: Int32, product: Int32, day: Int32, quantity: Int64, amount: Int64)] = []
        var seen: Set<String> = []
        var duplicates = 0
        let january = CivilDate("2026-01-01")!.dayNumber
        for k in 0..<3_000 {
            let id = "L\(rng.next() % 2_600)"
            let unknown = rng.next() % 40 == 0
            let partner = Int(rng.next() % 4)
            let product = Int(rng.next() % 4)
            let day = january + Int32(rng.next() % 365)
            let quantity = Int64(rng.next() % 20_000) + 1
            let amount = Int64(rng.next() % 90_000) + 1
            let q = "\(quantity / 1_000).\(String(quantity % 1_000 + 1_000).dropFirst())"
            let a = "\(amount / 100).\(String(amount % 100 + 100).dropFirst())"
            let date = CivilDate(dayNumber: day).description
            files[k < 1_700 ? 0 : 1] +=
                "\(id),\(date),\(unknown ? "PX" : partnerIDs[partner]),\(productIDs[product]),\(q),\(a)\n"
            if unknown { continue }
            if !seen.insert(id).inserted {
                duplicates += 1
                continue
            }
            expected.append((Int32(partner), Int32(product), day, quantity, amount))
        }
        // Grouped by partner, file order within a partner (a stable sort).
        let grouped = expected.enumerated().sorted { ($0.element.partner, $0.offset) < ($1.element.partner, $1.offset) }
            .map(\.element)
        #expect(duplicates > 200 && grouped.count > 1_500)

        let dir = Fixture.folder(
            agreements: Fixture.agreements([
                Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "0.10"}, {"from": "2000", "per_unit": "0.25"}]"#),
                Fixture.agreement(
                    id: "AG2", program: "logistics", beneficiary: #"{"group": "G1"}"#, basis: "pallets",
                    tiers: #"[{"from": "0", "per_pallet": "1.50"}]"#),
                Fixture.agreement(
                    id: "AG3", beneficiary: #"{"partner": "P4"}"#, basis: "amount",
                    tiers: #"[{"from": "0", "percent": "2"}, {"from": "50000", "percent": "3"}]"#),
            ]), transactions: "")
        let master = try DatasetLoader.loadMaster(folder: dir, needsCSVLines: false)
        var reference = TransactionColumns()
        for l in grouped {
            reference.append(partner: l.partner, product: l.product, day: l.day, quantity: l.quantity, amount: l.amount)
        }
        let whole = try AccrualEngine.run(
            Dataset(
                partners: master.partners, products: master.products, agreements: master.agreements,
                transactions: reference),
            options: AccrualOptions(threads: 1))

        let header = "line_id,date,partner_id,product_id,quantity,amount\n"
        let (first, second) = (Array((header + files[0]).utf8), Array((header + files[1]).utf8))
        for (chunkBytes, segmentBytes) in [(97, 1), (97, 2_000), (1_000, 1), (1_000, 9_000), (1 << 20, nil)]
            as [(Int, Int?)]
        {
            for threads in [1, 3] {
                let out = try first.withUnsafeBufferPointer { a in
                    try second.withUnsafeBufferPointer { b in
                        var reader = TransactionCSVReader(
                            partners: master.partners, products: master.products, decimals: 2, threads: threads)
                        reader.chunkBytes = chunkBytes
                        reader.segmentBytes = segmentBytes
                        return try reader.read([
                            .init(name: "a.csv", bytes: a), .init(name: "b.csv", bytes: b),
                        ])
                    }
                }
                let label = "chunk \(chunkBytes) window \(String(describing: segmentBytes)) threads \(threads)"
                // Small windows make many segments, and the duplicates fall in many of them.
                #expect((out.lines.parts.count > 5) == (segmentBytes != nil), "\(label): \(out.lines.parts.count)")
                #expect(out.rejects.filter { $0.reason.contains("duplicate") }.count == duplicates, "\(label)")
                #expect(out.totals.linesAccepted == grouped.count, "\(label)")
                let lines = out.columns
                #expect(lines.partner == grouped.map(\.partner), "\(label)")
                #expect(lines.product == grouped.map(\.product), "\(label)")
                #expect(lines.day == grouped.map(\.day), "\(label)")
                #expect(lines.quantity == grouped.map(\.quantity), "\(label)")
                #expect(lines.amount == grouped.map(\.amount), "\(label)")
                // The engine on the segments themselves (not their join).
                let dataset = Dataset(
                    partners: master.partners, products: master.products, agreements: master.agreements,
                    segments: out.lines)
                let r = try AccrualEngine.run(dataset, options: AccrualOptions(threads: threads))
                #expect(Fixture.text(r.accrualsCSV()) == Fixture.text(whole.accrualsCSV()), "\(label)")
                #expect(Fixture.text(r.settlementsCSV()) == Fixture.text(whole.settlementsCSV()), "\(label)")
                #expect(Fixture.text(r.statementsCSV()) == Fixture.text(whole.statementsCSV()), "\(label)")
            }
        }
        #expect(whole.accruals.count > 12)
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

    /// Lines whose ids share a hash are told apart by their bytes: with ids X Y X Y under one hash
    /// (lines 1 to 4) and Z W under another (10, 11), line 3 repeats line 1 and line 4 repeats line 2;
    /// nothing else is a duplicate, though every later line's hash matched an earlier one.
    @Test func linesOfOneHashAreComparedByTheirIDs() {
        let ids: [UInt64: String] = [1: "X", 2: "Y", 3: "X", 4: "Y", 10: "Z", 11: "W"]
        let sameHash: [(ref: UInt64, first: UInt64)] = [(2, 1), (10 + 1, 10), (3, 1), (4, 1)]
        let found = TransactionCSVReader.exactDuplicates(sameHash) { Array(ids[$0]!.utf8) }
        #expect(found.map { [$0.ref, $0.first] }.sorted { $0[0] < $1[0] } == [[3, 1], [4, 2]])
    }
}
