import Foundation
import Testing

@testable import RebateEngine

/// The README's walkthrough of `Samples/v3` (growth, other currencies, claims), figure for figure.
@Suite struct V3SampleTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/v3").path

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func growthAndCurrencies() throws {
        let loaded = try DatasetLoader.load(folder: Self.folder, columnar: false)
        #expect(loaded.rejects.isEmpty)
        let r = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(asOf: CivilDate("2026-03-31")))
        // Baseline 6,000 + 4,000 = 10,000.00; 11,500.00 bought: 15 %, tier 2, 2 % = 230.00; 500.00 to 20 %.
        #expect(
            Self.lines(r.settlementsCSV()).contains(
                "GRO-P001-2026,volume,P001,2026-01-01,2026-03-31,220,11500.00,4,11500.00,2,230.00,10000.00,15"))
        #expect(
            Self.lines(r.statementsCSV()).contains(
                "P001,GRO-P001-2026,volume,2026-01-01,2026-03-31,2026-03-31,11500.00,2,230.00,20,500.00,230.00,10000.00,15"
            ))
        // At 31 January: 6,500.00 over last January's 6,000.00.
        #expect(
            Self.lines(r.accrualsCSV()).contains {
                $0.hasPrefix("GRO-P001-2026,volume,P001,2026-01-01,2026-03-31,2026-01,")
                    && $0.hasSuffix(",6000.00,8.3333")
            })
        // USD: 5,000.00 x 0.9 + 500.00 x 0.92 = 4,960.00; with 1,000.00 EUR, 5,960.00 and 2 % = 119.20.
        let usd = try #require(loaded.totals.foreign.first)
        #expect(usd.code == "USD" && usd.lines == 2 && usd.amount == 5_500_00 && usd.bookAmount == 4_960_00)
        #expect(Fixture.earned(r, "CLM-P002-2026", period: "2026-01-01") == "119.20")
    }

    @Test func claimsAndTheLateCreditNote() throws {
        let loaded = try DatasetLoader.load(folder: Self.folder, columnar: false)
        let claims = try ClaimsFile.read(path: Self.folder + "/claims.csv", decimals: 2)
        let mar = try MonthEndClose.run(loaded.dataset, month: CivilDate("2026-03-01")!, ledger: [])
        #expect(mar.payments.allSatisfy { $0.agreementID != "CLM-P002-2026" })
        let apr = try MonthEndClose.run(
            loaded.dataset, month: CivilDate("2026-04-01")!, ledger: mar.ledger, claims: claims)
        #expect(
            Self.lines(apr.claims!.csv(decimals: 2)).dropFirst() == [
                "C-1,P002,CLM-P002-2026,2026-01-01,2026-03-31,2026-04-03,80.00,119.20,80.00,approved,",
                "C-2,P002,CLM-P002-2026,2026-01-01,2026-03-31,2026-04-10,50.00,119.20,39.20,partly approved,exceeds what is left",
            ])
        #expect(apr.report.anomalies.map(\.detail) == ["claimed 130.00, earned 119.20"])
        // The credit note of 500.00 dated 20 March: Q1 earns 2 % of 5,460.00 = 109.20; 10.00 clawed back.
        var dataset = loaded.dataset
        var columns = dataset.transactions
        let p002 = Int32(dataset.partners.firstIndex { $0.id == "P002" }!)
        let sku2 = Int32(dataset.products.firstIndex { $0.id == "SKU-2" }!)
        columns.append(
            partner: p002, product: sku2, date: CivilDate("2026-03-20")!, quantity: Quantity(milliUnits: -5000),
            amount: Money(minorUnits: -500_00))
        dataset.transactions = columns
        let may = try MonthEndClose.run(dataset, month: CivilDate("2026-05-01")!, ledger: apr.ledger, claims: claims)
        #expect(
            Self.lines(may.paymentsCSV()).dropFirst() == [
                "P002,CLM-P002-2026,2026-01-01,2026-03-31,109.20,119.20,-10.00"
            ])
    }

    /// The portal shows what an on_claim agreement's beneficiary can still claim per ended period:
    /// all 119.20 without claims; nothing once C-1 (80.00) and C-2 (39.20 of 50.00) are approved.
    @Test func thePortalShowsWhatIsStillClaimable() throws {
        let loaded = try DatasetLoader.load(folder: Self.folder, columnar: false)
        let report = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(asOf: CivilDate("2026-04-30")))
        let without = PartnerPortal(report, dataset: loaded.dataset, ledger: nil)
        #expect(without.settled["CLM-P002-2026"]?.map(\.claimable) == [119_20])
        #expect(without.settled["GRO-P001-2026"]?.map(\.claimable) == [nil])
        let claims = try ClaimsFile.read(path: Self.folder + "/claims.csv", decimals: 2)
        let with = PartnerPortal(report, dataset: loaded.dataset, ledger: nil, claims: claims)
        #expect(with.settled["CLM-P002-2026"]?.map(\.claimable) == [0])
    }
}
