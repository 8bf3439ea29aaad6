import Dispatch
import RebateEngine
import Synchronization

/// How a planted bad line is broken (one of each reject reason of SPEC section 7).
enum BadLineKind: Int, CaseIterable {
    case badDate, badNumber, tooManyDecimals, oppositeSigns, unknownPartner, unknownProduct
    case duplicateID, wrongFieldCount, unterminatedQuote, invalidUTF8, tooLarge
}

/// One generated invoice line, in dataset indices and fixed point.
struct GeneratedLine {
    var partner: Int32
    var product: Int32
    var day: Int32
    var quantity: Int64 // milli-units
    var amount: Int64 // minor units
    var bad: BadLineKind?
}

extension DatasetGenerator {
    /// The number of independent chunks the lines are generated in.
    public var chunkCount: Int { (configuration.lines + Self.linesPerChunk - 1) / Self.linesPerChunk }

    @inline(__always)
    private static func sample(_ cumulative: UnsafeBufferPointer<UInt64>, total: UInt64, _ r: UInt64) -> Int {
        let target = UInt64((UInt128(r) * UInt128(total)) >> 64)
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > target { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Calls `body` with every line of chunk `c`, in line order.
    func forEachLine(inChunk c: Int, _ body: (Int, GeneratedLine) -> Void) {
        // The tables as buffers for the whole chunk: no array retained and released per line.
        partnerCumulative.withUnsafeBufferPointer { partnerCumulative in
            dayCumulative.withUnsafeBufferPointer { dayCumulative in
                windowStart.withUnsafeBufferPointer { windowStart in
                    unitPrice.withUnsafeBufferPointer { unitPrice in
                        palletOfProduct.withUnsafeBufferPointer { palletOfProduct in
                            fractional.withUnsafeBufferPointer { fractional in
                                forEachLine(
                                    c, partnerCumulative, dayCumulative, windowStart, unitPrice, palletOfProduct,
                                    fractional, body)
                            }
                        }
                    }
                }
            }
        }
    }

    // One piece: the line loop; its tables are buffers so nothing is retained per line.
    // swift-format-ignore: FunctionParameterCount
    private func forEachLine(
        _ c: Int, _ partnerCumulative: UnsafeBufferPointer<UInt64>, _ dayCumulative: UnsafeBufferPointer<UInt64>,
        _ windowStart: UnsafeBufferPointer<Int32>, _ unitPrice: UnsafeBufferPointer<Int64>,
        _ palletOfProduct: UnsafeBufferPointer<Int64>, _ fractional: UnsafeBufferPointer<Bool>,
        _ body: (Int, GeneratedLine) -> Void
    ) {
        let gamers = self.gamers
        let productCount = palletOfProduct.count
        var rng = SplitMix64(seed: configuration.seed, stream: 2, chunk: UInt64(c))
        let first = c * Self.linesPerChunk
        let last = min(configuration.lines, first + Self.linesPerChunk)
        let dayTotal = dayCumulative[dayCumulative.count - 1]
        let (partnerTotal, firstDayNumber) = (partnerWeightTotal, firstDay.dayNumber)
        let planted = max(1, configuration.lines / 50_000 / max(1, gamers.count) / 4)
        let bad = UInt64(configuration.badLinesPerMillion)
        for i in first..<last {
            let r0 = rng.next()
            let r1 = rng.next()
            let r2 = rng.next()
            var p = Self.sample(partnerCumulative, total: partnerTotal, r0)
            var k = (Int(windowStart[p]) + Int(r1 % UInt64(Self.windowSize))) % productCount
            var day = firstDayNumber + Int32(Self.sample(dayCumulative, total: dayTotal, r2))
            let kind = (r1 >> 8) % 1000
            let s = palletOfProduct[k]
            var q: Int64
            if s > 0, (r1 >> 20) % 4 == 0 {
                q = s * Int64(1 + (r1 >> 24) % 3) // full pallets
            } else if fractional[k] {
                q = 500 + Int64((r1 >> 24) % 23_500) // 0.5 to 24 with three decimals
            } else {
                q = 1000 * Int64(1 + (r1 >> 24) % 24) // 1 to 24 units
            }
            // Planted tier gaming: a quarter-end spike by a gamer, returned within three weeks.
            if !gamers.isEmpty, i % 50_000 == 17 || i % 50_000 == 18 {
                let g = Int(gamers[(i / 50_000) % gamers.count])
                let quarter = (i / 50_000 / gamers.count) % 4
                let quarterEnd = CivilDate.lastDay(ofMonthIndex: firstDay.monthIndex + quarter * 3 + 2).dayNumber
                p = g
                k = Int(windowStart[g])
                let spike = max(
                    1000, expectedBasis(g, nil, .quantity, days: 91) * 15 / 100 / Int64(planted) / 1000 * 1000)
                if i % 50_000 == 17 {
                    day = quarterEnd - Int32(r2 % 5)
                    q = spike
                } else {
                    day = quarterEnd + 3 + Int32(r2 % 18)
                    q = -spike * 8 / 10 / 1000 * 1000
                }
            }
            var a = (q * unitPrice[k] + (q >= 0 ? 500 : -500)) / 1000 // half away from zero
            if kind < 30 { // a return or credit note
                q = -q
                a = -a
            } else if kind < 40 { // a price adjustment
                a = (kind % 2 == 0 ? 1 : -1) * max(1, a / 20)
                q = 0
            }
            var line = GeneratedLine(partner: Int32(p), product: Int32(k), day: day, quantity: q, amount: a, bad: nil)
            if bad > 0, (r2 >> 16) % 1_000_000 < bad {
                line.bad = BadLineKind(rawValue: Int((r2 >> 40) % UInt64(BadLineKind.allCases.count)))
            }
            body(i, line)
        }
    }

    /// The lines as in-memory columns (bad lines left out), generated in parallel.
    /// - Complexity: O(lines), on `threads` threads.
    public func makeColumns(threads: Int = AccrualEngine.defaultThreadCount) -> TransactionColumns {
        let chunks = chunkCount
        // A lock per finished chunk (a few hundred a run) costs nothing next to generating it.
        let slots = Mutex([TransactionColumns](repeating: TransactionColumns(), count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var columns = TransactionColumns(capacity: Self.linesPerChunk)
            forEachLine(inChunk: c) { _, line in
                if line.bad == nil {
                    columns.append(
                        partner: line.partner, product: line.product, date: CivilDate(dayNumber: line.day),
                        quantity: Quantity(milliUnits: line.quantity), amount: Money(minorUnits: line.amount))
                }
            }
            slots.withLock { $0[c] = columns }
        }
        let parts = slots.withLock { $0 }
        var all = TransactionColumns(capacity: configuration.lines)
        for part in parts { all.append(contentsOf: part) }
        _ = threads
        return all
    }

    /// The whole dataset in memory, as `rebate` would load it from the files (bad lines left out).
    public func makeDataset() -> Dataset {
        Dataset(partners: partners, products: products, agreements: agreements, transactions: makeColumns())
    }
}
