import Testing

@testable import RebateEngine

/// The join into partner order, against a plain stable sort of all lines by partner: runs already
/// grouped (the store's segments, joined by block copies) and runs in any order (the CSV's chunks,
/// joined by the counting sort) give the same lines in the same order, currencies included.
@Suite struct PartnerGroupingTests {
    struct Line: Equatable {
        var partner: Int32, product: Int32, day: Int32, quantity: Int64, amount: Int64, currency: UInt8
    }

    static func runs(seed: UInt64, partners: Int, grouped: Bool) -> [[Line]] {
        var rng = SplitMix(seed: seed)
        return (0..<7).map { r in
            // Some runs empty, some with foreign lines, some without a currency column.
            let count = r == 2 ? 0 : Int(rng.next() % 400)
            let foreign = r % 3 == 1
            var lines = (0..<count).map { i in
                Line(
                    partner: Int32(rng.next() % UInt64(partners)), product: Int32(i), day: Int32(r),
                    quantity: Int64(i), amount: Int64(rng.next() % 1000),
                    currency: foreign ? UInt8(rng.next() % 3) : 0)
            }
            if grouped {
                // Stable: within a partner the run keeps its order.
                lines = lines.enumerated().sorted { ($0.element.partner, $0.offset) < ($1.element.partner, $1.offset) }
                    .map(\.element)
            }
            return lines
        }
    }

    static func columns(_ lines: [Line]) -> TransactionColumns {
        var c = TransactionColumns()
        for l in lines {
            c.append(
                partner: l.partner, product: l.product, day: l.day, quantity: l.quantity, amount: l.amount,
                currency: l.currency)
        }
        return c
    }

    static func lines(_ c: TransactionColumns) -> [Line] {
        let currency = c.currency
        return (0..<c.count).map { i in
            Line(
                partner: c.partner[i], product: c.product[i], day: c.day[i], quantity: c.quantity[i],
                amount: c.amount[i], currency: currency.isEmpty ? 0 : currency[i])
        }
    }

    /// Calls `body` with views of every part's columns, each valid for the whole call.
    static func withRuns<R>(_ parts: ArraySlice<TransactionColumns>, _ runs: [LineRun], _ body: ([LineRun]) -> R) -> R {
        guard let first = parts.first else { return body(runs) }
        return first.withUnsafeColumns { withRuns(parts.dropFirst(), runs + [LineRun(columns: $0)], body) }
    }

    @Test(arguments: [true, false])
    func joinEqualsAStableSortByPartner(grouped: Bool) {
        for seed in UInt64(1)...5 {
            let partners = 1 + Int(seed * 7 % 40)
            let runs = Self.runs(seed: seed, partners: partners, grouped: grouped)
            let expected = runs.joined().enumerated()
                .sorted { ($0.element.partner, $0.offset) < ($1.element.partner, $1.offset) }.map(\.element)
            let parts = runs.map(Self.columns)
            let (joined, starts, blockCopied) = Self.withRuns(parts[...], []) { lineRuns in
                let (c, s) = PartnerGrouping.group(lineRuns, partners: partners, threads: 3)
                return (c, s, PartnerGrouping.joinGrouped(lineRuns, partners: partners, threads: 2) != nil)
            }
            // Grouped runs take the block copies; runs in any order the counting sort.
            let allGrouped = runs.allSatisfy { run in zip(run, run.dropFirst()).allSatisfy { $0.partner <= $1.partner }
            }
            #expect(blockCopied == allGrouped && (!grouped || blockCopied))
            #expect(Self.lines(joined) == expected, "seed \(seed)")
            for p in 0..<partners {
                #expect(starts[p] == expected.firstIndex { $0.partner >= p } ?? expected.count)
            }
            #expect(starts[partners] == expected.count)
        }
    }
}
