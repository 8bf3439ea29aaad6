import Foundation
import Testing

@testable import RebateEngine
@testable import RebateGenerator

@Suite struct GeneratorTests {
    static let config = DatasetGenerator.Configuration(lines: 200_000, partners: 1_000, products: 400, seed: 7)

    @Test func sameArgumentsGiveTheSameBytesForAnyThreadCount() throws {
        let small = DatasetGenerator.Configuration(
            lines: 150_000, partners: 300, products: 100, seed: 3, badLinesPerMillion: 2_000)
        let a = Fixture.temporaryFolder()
        let b = Fixture.temporaryFolder()
        _ = try DatasetGenerator(small).write(to: a, threads: 1)
        _ = try DatasetGenerator(small).write(to: b, threads: 2)
        for name in ["partners.csv", "products.csv", "agreements.json", "transactions.csv"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + name))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/" + name))
            #expect(x == y, "\(name) differs")
            #expect(!x.isEmpty)
        }
        // A different seed gives different lines.
        var other = small
        other.seed = 4
        let c = Fixture.temporaryFolder()
        _ = try DatasetGenerator(other).write(to: c, threads: 2)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: a + "/transactions.csv"))
                != Data(contentsOf: URL(fileURLWithPath: c + "/transactions.csv")))
    }

    @Test func distributionsAreRealistic() throws {
        let g = DatasetGenerator(Self.config)
        let t = g.makeColumns(threads: 2)
        #expect(t.count == Self.config.lines)
        let returns = (0..<t.count).filter { t.quantity[$0] < 0 }.count
        let adjustments = (0..<t.count).filter { t.quantity[$0] == 0 }.count
        // About 3% returns and 1% price adjustments.
        #expect(returns * 1000 / t.count >= 25 && returns * 1000 / t.count <= 35, "returns \(returns)")
        #expect(adjustments * 1000 / t.count >= 7 && adjustments * 1000 / t.count <= 13, "adjustments \(adjustments)")
        // Skew: the top 1% of partners (10 of 1000) buy at least a third of the lines.
        var perPartner = [Int](repeating: 0, count: g.partners.count)
        for p in t.partner { perPartner[Int(p)] += 1 }
        let top = perPartner.sorted(by: >).prefix(g.partners.count / 100).reduce(0, +)
        #expect(top * 3 >= t.count, "top 1% share \(top) of \(t.count)")
        // Full-pallet lines, fractional quantities, buying groups, seasons.
        let fullPallets = (0..<t.count).filter { i in
            let s = g.products[Int(t.product[i])].palletQuantity
            return s > 0 && t.quantity[i] > 0 && t.quantity[i] % s == 0
        }.count
        #expect(fullPallets * 10 >= t.count, "full pallets \(fullPallets)")
        #expect(t.quantity.contains { $0 % 1000 != 0 })
        #expect(g.partners.contains { $0.groupID != nil })
        var perMonth = [Int](repeating: 0, count: 12)
        for d in t.day { perMonth[CivilDate(dayNumber: d).components.month - 1] += 1 }
        #expect(perMonth[7] < perMonth[4], "August is quieter than May")
        // Prices are consistent per product: every invoice line of a product has the same unit price (to the cent).
        var unit: [Int32: Int64] = [:]
        for i in 0..<t.count where t.quantity[i] > 0 && t.quantity[i] % 1000 == 0 && t.quantity[i] >= 10_000 {
            let perUnit = t.amount[i] * 1000 / t.quantity[i]
            if let u = unit[t.product[i]] { #expect(abs(u - perUnit) <= 1) } else { unit[t.product[i]] = perUnit }
        }
    }

    @Test func agreementsCoverEverythingAndTiersAreCrossed() throws {
        let g = DatasetGenerator(Self.config)
        let a = g.agreements.agreements
        #expect(Set(a.map(\.program)) == Set(RebateProgram.allCases))
        #expect(Set(a.map(\.settlement)) == Set(SettlementFrequency.allCases))
        #expect(Set(a.map(\.basis)) == Set(RebateBasis.allCases))
        #expect(Set(a.map(\.tiering)) == Set(Tiering.allCases))
        #expect(Set(a.map(\.valueKind)) == Set(TierValueKind.allCases))
        #expect(Set(a.map(\.accrual)) == Set(AccrualMethod.allCases))
        #expect(a.contains { $0.cap != nil } && a.contains { !$0.gates.isEmpty })
        #expect(a.contains { if case .group = $0.beneficiary { return true } else { return false } })
        #expect(a.contains { $0.start.components.day != 1 } && a.contains { $0.end.components.month != 12 })
        // The JSON round-trips through the decoder.
        let decoded = try AgreementSet(
            json: g.agreements.jsonBytes(), master: MasterDataIndex(partners: g.partners, products: g.products))
        #expect(decoded.agreements == a)

        let report = try AccrualEngine.run(g.makeDataset(), options: AccrualOptions(threads: 2))
        let crossed = report.settlements.filter { $0.tier >= 2 }
        #expect(
            crossed.count * 5 >= report.settlements.count,
            "only \(crossed.count) of \(report.settlements.count) periods above tier 1")
        #expect(report.settlements.contains { $0.earned > 0 && $0.basis.kind == .pallets })
        #expect(report.anomalies.contains { $0.kind == .tierGaming }, "planted gaming is found")
    }

    @Test func badLinesCoverEveryRejectReason() throws {
        let config = DatasetGenerator.Configuration(
            lines: 60_000, partners: 100, products: 50, seed: 9, badLinesPerMillion: 5_000)
        let dir = Fixture.temporaryFolder()
        _ = try DatasetGenerator(config).write(to: dir, threads: 2)
        let loaded = try DatasetLoader.load(folder: dir)
        #expect(loaded.totals.linesRead == 60_000)
        #expect(loaded.totals.linesRead == loaded.totals.linesAccepted + loaded.totals.linesRejected)
        let reasons = loaded.rejects.map(\.reason)
        for needle in [
            "date:", "not a plain decimal", "decimal places", "opposite signs", "unknown partner", "unknown product",
            "duplicate of line", "expected 6 fields", "unterminated quoted field", "invalid UTF-8", "10^12",
        ] {
            #expect(reasons.contains { $0.contains(needle) }, "no reject for \(needle)")
        }
    }

    @Test func refusesWhenTheDiskIsTooSmall() {
        let huge = DatasetGenerator.Configuration(lines: 1 << 42, partners: 10, products: 10)
        #expect(throws: GeneratorError.self) { try DatasetGenerator(huge).write(to: Fixture.temporaryFolder()) }
    }
}

/// data-gen's v3 options: two years, other currencies and claims, each usable as it is written.
@Suite struct GeneratorV3Tests {
    static let config: DatasetGenerator.Configuration = {
        var c = DatasetGenerator.Configuration(lines: 30_000, partners: 60, products: 60, seed: 11)
        c.priorYear = true
        c.currencies = [ListedCurrency(code: "USD", decimals: 2), ListedCurrency(code: "JPY", decimals: 0)]
        c.claims = true
        return c
    }()

    @Test func everyV3FeatureIsUsableAndTheBytesRepeat() throws {
        let a = Fixture.temporaryFolder()
        let b = Fixture.temporaryFolder()
        let stats = try DatasetGenerator(Self.config).write(to: a, threads: 1)
        _ = try DatasetGenerator(Self.config).write(to: b, threads: 2)
        for name in ["agreements.json", "transactions.csv", "rates.csv", "claims.csv"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + name))
            #expect(x == (try Data(contentsOf: URL(fileURLWithPath: b + "/" + name))), "\(name) differs")
            #expect(!x.isEmpty)
        }
        let loaded = try DatasetLoader.load(folder: a, threads: 2, columnar: false)
        // Every line is accepted: foreign lines all have a rate, prior-year ids never clash with this year's.
        #expect(loaded.rejects.isEmpty, "\(loaded.rejects.prefix(3).map(\.reason))")
        #expect(loaded.totals.linesRead == stats.lines)
        #expect(loaded.totals.foreign.map(\.code) == ["JPY", "USD"])
        let days = loaded.dataset.transactions.day
        #expect(days.contains { $0 < CivilDate("2026-01-01")!.dayNumber }, "a prior year of lines")
        let r = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(threads: 2))
        let growth = r.settlements.filter { $0.growth != nil }
        #expect(!growth.isEmpty)
        // New partners (no baseline), and partners that grow enough to earn.
        #expect(growth.contains { $0.growth!.baseline.scaled == 0 })
        #expect(growth.contains { $0.growth!.baseline.scaled > 0 && $0.earned > 0 })
        // The claims, decided at the year's end: some approved, some not.
        let claims = try ClaimsFile.read(path: a + "/claims.csv", decimals: 2)
        let close = try MonthEndClose.run(
            loaded.dataset, month: CivilDate("2027-06-01")!, ledger: [], claims: claims,
            options: AccrualOptions(threads: 2))
        let statuses = Set(close.claims!.decisions.map(\.status))
        #expect(statuses.contains(.approved) && statuses.contains(.rejected))
    }

    /// With `--bad-lines`, foreign lines are planted in an unlisted currency, and the last listed
    /// currency's rates start a week late, so its first week's lines have no rate.
    @Test func badLinesPlantCurrencyRejects() throws {
        var c = DatasetGenerator.Configuration(
            lines: 60_000, partners: 60, products: 60, seed: 12, badLinesPerMillion: 4_000)
        c.currencies = [ListedCurrency(code: "USD", decimals: 2), ListedCurrency(code: "JPY", decimals: 0)]
        let dir = Fixture.temporaryFolder()
        _ = try DatasetGenerator(c).write(to: dir, threads: 2)
        let loaded = try DatasetLoader.load(folder: dir, threads: 2, columnar: false)
        #expect(loaded.rejects.contains { $0.reason.hasPrefix("currency: unknown currency \"XXX\"") })
        #expect(loaded.rejects.contains { $0.reason.hasPrefix("currency: no exchange rate for JPY on 2026-01-0") })
    }
}
