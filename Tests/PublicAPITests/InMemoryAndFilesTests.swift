import Foundation
import RebateEngine
import Testing

/// Random datasets built through the public API give the same figures as the same data written
/// to files and read back; random bad values always throw, never trap.
@Suite struct InMemoryAndFilesTests {
    struct RNG {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func randomDataset(_ rng: inout RNG) -> Dataset {
        let partners = (0..<(2 + rng.below(4))).map { i in
            Partner(id: "P\(i)", name: "Partner, \(i)", groupID: i % 2 == 0 ? "G1" : nil)
        }
        let products = (0..<(2 + rng.below(3))).map { i in
            Product(
                id: "S\(i)", name: "Product \(i)", category: "C\(i % 2)",
                palletQuantity: i % 2 == 0 ? Quantity(units: 10) : nil)
        }
        var agreements: [Agreement] = []
        for a in 0..<(1 + rng.below(4)) {
            let basis = [RebateBasis.quantity, .amount, .pallets][rng.below(3)]
            let program: RebateProgram = basis == .pallets ? .logistics : .volume
            let v = Int64(1 + rng.below(5_000))
            let first: TierValue
            switch rng.below(3) {
            case 0: first = .percent(Rate(tenThousandths: v * 10))
            case 1: first = basis == .pallets ? .perPallet(Rate(tenThousandths: v)) : .perUnit(Rate(tenThousandths: v))
            default: first = .fixed(Money(minorUnits: v))
            }
            var tiers: [Tier] = []
            var from: Int64 = 0
            for _ in 0..<(1 + rng.below(3)) {
                let v: TierValue
                switch first {
                case .percent: v = .percent(Rate(tenThousandths: Int64(1 + rng.below(50_000))))
                case .perUnit: v = .perUnit(Rate(tenThousandths: Int64(1 + rng.below(20_000))))
                case .perPallet: v = .perPallet(Rate(tenThousandths: Int64(1 + rng.below(20_000))))
                case .fixed: v = .fixed(Money(minorUnits: Int64(1 + rng.below(100_000))))
                }
                tiers.append(
                    basis == .amount
                        ? Tier(from: Money(minorUnits: from), value: v)
                        : Tier(from: Quantity(milliUnits: from), value: v))
                from += Int64(1 + rng.below(20_000_000))
            }
            let settlement = SettlementFrequency.allCases[rng.below(4)]
            agreements.append(
                Agreement(
                    id: "A\(a)", program: program,
                    beneficiary: a % 3 == 2 ? .group("G1") : .partner("P\(rng.below(partners.count))"),
                    scope: rng.below(2) == 0 ? nil : ProductScope(categories: ["C\(rng.below(2))"]),
                    start: CivilDate("2026-01-01")!.adding(days: rng.below(60)),
                    end: CivilDate("2026-12-31")!.adding(days: -rng.below(60)),
                    settlement: settlement, basis: basis, tiering: rng.below(2) == 0 ? .retroactive : .incremental,
                    valueKind: first.kind, tiers: tiers,
                    cap: rng.below(3) == 0 ? Money(minorUnits: Int64(rng.below(100_000))) : nil,
                    accrual: rng.below(2) == 0 ? .earned : .forecast))
        }
        var lines = TransactionColumns()
        for _ in 0..<rng.below(400) {
            let q = Int64(rng.below(50_000)) - 5_000
            let a = q == 0 ? Int64(rng.below(1000)) - 500 : q / 1000 * Int64(1 + rng.below(900)) + (q > 0 ? 1 : -1)
            lines.append(
                partner: Int32(rng.below(partners.count)), product: Int32(rng.below(products.count)),
                date: CivilDate("2026-01-01")!.adding(days: rng.below(365)), quantity: Quantity(milliUnits: q),
                amount: Money(minorUnits: a))
        }
        return Dataset(
            partners: partners, products: products,
            agreements: AgreementSet(currency: "EUR", decimals: 2, agreements: agreements), transactions: lines)
    }

    /// The dataset as the four files of SPEC section 1.
    static func write(_ d: Dataset, to dir: String) throws {
        func field(_ s: String) -> String { s.contains(",") ? "\"\(s)\"" : s }
        try
            ("partner_id,name,group_id\n"
            + d.partners.map { "\($0.id),\(field($0.name)),\($0.groupID ?? "")\n" }.joined())
            .write(toFile: dir + "/partners.csv", atomically: true, encoding: .utf8)
        try
            ("product_id,name,category,pallet_qty\n"
            + d.products.map {
                "\($0.id),\($0.name),\($0.category),\($0.pallet?.description ?? "")\n"
            }.joined())
            .write(toFile: dir + "/products.csv", atomically: true, encoding: .utf8)
        try Data(d.agreements.jsonBytes()).write(to: URL(fileURLWithPath: dir + "/agreements.json"))
        let t = d.transactions
        var csv = "line_id,date,partner_id,product_id,quantity,amount\n"
        for i in 0..<t.count {
            csv +=
                "L\(i),\(CivilDate(dayNumber: t.day[i])),\(d.partners[Int(t.partner[i])].id),\(d.products[Int(t.product[i])].id),"
            csv +=
                AccrualEngine.formatDecimal(Int128(t.quantity[i]), scale: 3) + ","
                + Money.text(Int128(t.amount[i]), decimals: 2) + "\n"
        }
        try csv.write(toFile: dir + "/transactions.csv", atomically: true, encoding: .utf8)
    }

    @Test func randomDatasetsInMemoryEqualTheSameDataReadFromFiles() throws {
        var rng = RNG(state: 2026)
        for round in 0..<40 {
            let d = Self.randomDataset(&rng)
            let dir = NSTemporaryDirectory() + "rebate-api-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Self.write(d, to: dir)
            let asOf = rng.below(2) == 0 ? nil : CivilDate("2026-01-01")!.adding(days: rng.below(365))
            let memory = try AccrualEngine.run(d, options: AccrualOptions(asOf: asOf, threads: 2))
            let loaded = try DatasetLoader.load(folder: dir, threads: 2)
            #expect(loaded.rejects.isEmpty, "round \(round): \(loaded.rejects.map(\.reason))")
            let files = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(asOf: asOf, threads: 1))
            #expect(memory.accrualsCSV() == files.accrualsCSV(), "round \(round)")
            #expect(memory.settlementsCSV() == files.settlementsCSV(), "round \(round)")
            #expect(memory.statementsCSV() == files.statementsCSV(), "round \(round)")
            #expect(memory.anomaliesCSV() == files.anomaliesCSV(), "round \(round)")
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    @Test func randomBadValuesAlwaysThrow() {
        var rng = RNG(state: 77)
        var thrown = 0
        for _ in 0..<300 {
            var d = Self.randomDataset(&rng)
            switch rng.below(6) {
            case 0:
                d.transactions.append(
                    partner: Int32(d.partners.count + rng.below(5)), product: 0, date: CivilDate("2026-02-01")!,
                    quantity: Quantity(units: 1), amount: Money(minorUnits: 1))
            case 1:
                d.transactions.append(
                    partner: 0, product: -1 - Int32(rng.below(5)), date: CivilDate("2026-02-01")!,
                    quantity: Quantity(units: 1), amount: Money(minorUnits: 1))
            case 2:
                d.transactions.append(
                    partner: 0, product: 0, date: CivilDate(dayNumber: Int32.max - Int32(rng.below(1000))),
                    quantity: Quantity(units: 1), amount: Money(minorUnits: 1))
            case 3:
                d.transactions.append(
                    partner: 0, product: 0, date: CivilDate("2026-02-01")!, quantity: Quantity(milliUnits: Int64.max),
                    amount: Money(minorUnits: 1))
            case 4:
                d.agreements.agreements[0].tiers.append(
                    Tier(from: Money(minorUnits: -5), value: .fixed(Money(minorUnits: 1))))
            default:
                d.agreements.decimals = 7 + rng.below(10)
            }
            do {
                _ = try AccrualEngine.run(d, options: AccrualOptions(threads: 2))
            } catch {
                thrown += 1
                #expect(error.exitCode == 2)
            }
        }
        #expect(thrown == 300)
    }
}
