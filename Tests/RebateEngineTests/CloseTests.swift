import Foundation
import RebateGenerator
import Testing

@testable import RebateEngine

/// SPEC section 8: the month-end close, with figures worked out by hand.
@Suite struct CloseTests {
    /// AG1 pays 1.00 a unit of B, quarterly, to P1.
    static let agreement = Fixture.agreement(
        tiers: #"[{"from": "0", "per_unit": "1"}]"#, extra: #""settlement": "quarter""#)

    static func dataset(_ lines: [String], agreements: [String] = [agreement], accounts: String? = nil) -> Dataset {
        var json = Fixture.agreements(agreements)
        if let accounts {
            json = json.replacingOccurrences(of: "\"agreements\":", with: "\"accounts\": \(accounts), \"agreements\":")
        }
        let dir = Fixture.folder(agreements: json, transactions: Fixture.lines(lines))
        return try! Fixture.load(dir).dataset
    }

    static func close(_ d: Dataset, _ month: String, _ ledger: [LedgerRow] = []) throws -> MonthEndClose {
        try MonthEndClose.run(d, month: CivilDate(month + "-01")!, ledger: ledger, options: AccrualOptions(threads: 2))
    }

    static func text(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst().map(String.init)
    }

    @Test func threeClosesThenALateCreditNoteClawsBack() throws {
        var lines = ["2026-01-10,P1,B,10,100.00", "2026-02-10,P1,B,5,50.00", "2026-04-02,P1,B,3,30.00"]
        var d = Self.dataset(lines)
        // January: Q1 has accrued 10 units x 1.00; nothing booked yet.
        let jan = try Self.close(d, "2026-01")
        #expect(
            Self.text(jan.journalCSV()) == [
                "2026-01-31,AG1,P1,2026-01-01,2026-03-31,accrual,rebate_expense,accrued_rebates,10.00"
            ])
        #expect(jan.payments.isEmpty)
        #expect(Self.text(jan.ledgerCSV()) == ["AG1,P1,2026-01-01,2026-03-31,10.00,0.00"])
        // February: 15 units so far, 10.00 booked: 5.00 more.
        let feb = try Self.close(d, "2026-02", jan.ledger)
        #expect(
            Self.text(feb.journalCSV()) == [
                "2026-02-28,AG1,P1,2026-01-01,2026-03-31,accrual,rebate_expense,accrued_rebates,5.00"
            ])
        // March: Q1 ends at 15.00, all accrued already; it is settled and paid.
        let mar = try Self.close(d, "2026-03", feb.ledger)
        #expect(
            Self.text(mar.journalCSV()) == [
                "2026-03-31,AG1,P1,2026-01-01,2026-03-31,settlement,accrued_rebates,rebates_payable,15.00"
            ])
        #expect(Self.text(mar.paymentsCSV()) == ["P1,AG1,2026-01-01,2026-03-31,15.00,0.00,15.00"])
        // A credit note dated in January (2 units) arrives before the April close.
        lines.append("2026-01-20,P1,B,-2,-20.00")
        d = Self.dataset(lines)
        let apr = try Self.close(d, "2026-04", mar.ledger)
        #expect(
            Self.text(apr.journalCSV()) == [
                "2026-04-30,AG1,P1,2026-01-01,2026-03-31,accrual,accrued_rebates,rebate_expense,2.00",
                "2026-04-30,AG1,P1,2026-01-01,2026-03-31,settlement,rebates_payable,accrued_rebates,2.00",
                "2026-04-30,AG1,P1,2026-04-01,2026-06-30,accrual,rebate_expense,accrued_rebates,3.00",
            ])
        #expect(Self.text(apr.paymentsCSV()) == ["P1,AG1,2026-01-01,2026-03-31,13.00,15.00,-2.00"])
        #expect(apr.journal.map(\.driver) == [.closedPeriod, .settlement, .currentPeriod])
        #expect(
            Self.text(apr.ledgerCSV()) == [
                "AG1,P1,2026-01-01,2026-03-31,13.00,13.00", "AG1,P1,2026-04-01,2026-06-30,3.00,0.00",
            ])
        // before 15.00/15.00 + journal (-2.00 + 3.00)/(-2.00) = after 16.00/13.00.
        #expect(apr.totals.accruedBefore == 15_00 && apr.totals.paidBefore == 15_00)
        #expect(apr.totals.accrualEntries == 1_00 && apr.totals.settlementEntries == -2_00)
        #expect(apr.totals.accruedAfter == 16_00 && apr.totals.paidAfter == 13_00)
        #expect(apr.totals.debits == 7_00 && apr.totals.credits == 7_00)
        // Closing again with the ledger just written books nothing.
        let again = try Self.close(d, "2026-04", apr.ledger)
        #expect(again.journal.isEmpty && again.payments.isEmpty)
        #expect(again.ledger == apr.ledger)
    }

    @Test func aRemovedAgreementIsReversedOnTheTopLevelAccounts() throws {
        let other = Fixture.agreement(
            id: "AG2", tiers: #"[{"from": "0", "per_unit": "2"}]"#,
            extra: #""settlement": "quarter", "accounts": {"expense": "5100"}"#)
        let d = Self.dataset(
            ["2026-01-10,P1,B,10,100.00"], agreements: [Self.agreement, other], accounts: #"{"payable": "2100"}"#)
        let old = LedgerRow(
            agreementID: "GONE", beneficiary: "P9", periodStart: CivilDate("2025-10-01")!,
            periodEnd: CivilDate("2025-12-31")!, accrued: Money(minorUnits: 40_00), paid: Money(minorUnits: 40_00))
        let jan = try Self.close(d, "2026-01", [old])
        #expect(
            Self.text(jan.journalCSV()) == [
                "2026-01-31,AG1,P1,2026-01-01,2026-03-31,accrual,rebate_expense,accrued_rebates,10.00",
                "2026-01-31,AG2,P1,2026-01-01,2026-03-31,accrual,5100,accrued_rebates,20.00",
                "2026-01-31,GONE,P9,2025-10-01,2025-12-31,accrual,accrued_rebates,rebate_expense,40.00",
                "2026-01-31,GONE,P9,2025-10-01,2025-12-31,settlement,2100,accrued_rebates,40.00",
            ])
        #expect(Self.text(jan.paymentsCSV()) == ["P9,GONE,2025-10-01,2025-12-31,0.00,40.00,-40.00"])
        #expect(!jan.ledger.contains { $0.agreementID == "GONE" })
        #expect(jan.journal.filter { $0.agreementID == "GONE" }.allSatisfy { $0.driver == .reversal })
    }

    /// SPEC section 8: an agreement that still exists but whose end moved has its old period reversed
    /// on its own accounts, not the top-level ones (only a removed agreement's are the top level's).
    @Test func aMovedPeriodIsReversedOnTheAgreementsOwnAccounts() throws {
        let moved = Fixture.agreement(
            id: "AG3", end: "2026-02-15", tiers: #"[{"from": "0", "per_unit": "1"}]"#,
            extra: #""settlement": "quarter", "accounts": {"expense": "5300", "liability": "2300", "payable": "2400"}"#)
        let d = Self.dataset(["2026-01-10,P1,B,10,100.00"], agreements: [moved], accounts: #"{"payable": "2100"}"#)
        // Booked when AG3 still ran to 2026-03-31: 7.00 accrued and (wrongly early) 7.00 paid.
        let old = LedgerRow(
            agreementID: "AG3", beneficiary: "P1", periodStart: CivilDate("2026-01-01")!,
            periodEnd: CivilDate("2026-03-31")!, accrued: Money(minorUnits: 7_00), paid: Money(minorUnits: 7_00))
        let jan = try Self.close(d, "2026-01", [old])
        // The new period 2026-01-01..2026-02-15 accrues 10 units x 1.00; the old one is reversed whole,
        // debiting AG3's own liability 2300 and payable 2400.
        #expect(
            Self.text(jan.journalCSV()) == [
                "2026-01-31,AG3,P1,2026-01-01,2026-02-15,accrual,5300,2300,10.00",
                "2026-01-31,AG3,P1,2026-01-01,2026-03-31,accrual,2300,5300,7.00",
                "2026-01-31,AG3,P1,2026-01-01,2026-03-31,settlement,2400,2300,7.00",
            ])
        #expect(Self.text(jan.paymentsCSV()) == ["P1,AG3,2026-01-01,2026-03-31,0.00,7.00,-7.00"])
    }

    /// SPEC section 8: with unchanged lines, closing every month in turn books as accrual entries
    /// exactly the `posting` column of accruals.csv; and a second close of the same month books nothing.
    @Test func closingEveryMonthBooksThePostings() throws {
        let g = DatasetGenerator(.init(lines: 6_000, partners: 30, products: 30, seed: 21))
        let d = g.makeDataset()
        let full = try AccrualEngine.run(d, options: AccrualOptions(asOf: CivilDate("2026-12-31"), threads: 2))
        var expected: [String: Money] = [:]
        for r in full.accruals where r.posting != 0 {
            expected["\(r.agreementID) \(r.periodStart) \(r.month.monthText)"] = r.posting
        }
        var booked: [String: Money] = [:]
        var ledger: [LedgerRow] = []
        for m in 1...12 {
            let month = "2026-" + (m < 10 ? "0\(m)" : "\(m)")
            let close = try Self.close(d, month, ledger)
            #expect(close.totals.reconciles)
            for e in close.journal where e.kind == .accrual {
                #expect(e.driver == .currentPeriod, "unchanged lines never touch a closed period")
                booked["\(e.agreementID) \(e.periodStart) \(month)", default: 0] += e.change
            }
            ledger = close.ledger
            let again = try Self.close(d, month, ledger)
            #expect(again.journal.isEmpty)
        }
        #expect(booked == expected)
        // After December everything ended is paid, and paid = accrued = earned.
        let settled = Dictionary(
            uniqueKeysWithValues: full.settlements.map { ("\($0.agreementID) \($0.periodStart)", $0.earned) })
        for row in ledger where row.periodEnd <= CivilDate("2026-12-31")! {
            #expect(row.paid == settled["\(row.agreementID) \(row.periodStart)"])
            #expect(row.accrued == row.paid)
        }
    }

    @Test func accountsRoundTripThroughTheAgreementsFile() throws {
        let d = Self.dataset(
            ["2026-01-10,P1,B,10,100.00"],
            agreements: [
                Fixture.agreement(
                    tiers: #"[{"from": "0", "per_unit": "1"}]"#, extra: #""accounts": {"liability": "2200"}"#)
            ],
            accounts: #"{"expense": "5000"}"#)
        #expect(
            d.agreements.accounts
                == LedgerAccounts(expense: "5000", liability: "accrued_rebates", payable: "rebates_payable"))
        #expect(d.agreements.accounts(of: d.agreements.agreements[0]).liability == "2200")
        let again = try AgreementSet(
            json: d.agreements.jsonBytes(), master: MasterDataIndex(partners: d.partners, products: d.products))
        #expect(again.accounts == d.agreements.accounts)
        #expect(again.agreements == d.agreements.agreements)
    }
}

/// The ledger file: untrusted input, every bad row named at once.
@Suite struct LedgerFileTests {
    static func parse(_ text: String, decimals: Int = 2) throws(RebateError) -> [LedgerRow] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { b throws(RebateError) in
            try LedgerFile.parse(b, fileName: "ledger.csv", decimals: decimals)
        }
    }

    @Test func everyBadRowIsNamed() {
        let text = """
            agreement_id,beneficiary,period_start,period_end,accrued,paid
            AG1,P1,2026-01-01,2026-03-31,10.00,0.00
            AG2,P1,2026-02-30,2026-03-31,1.00,0
            AG3,P1,2026-01-01,2026-03-31,1.005,0
            AG1,P1,2026-01-01,2026-03-31,5.00,5.00
            AG4,P1,2026-01-01,2026-03-31,1e3,x
            ,P1,2026-01-01,2026-03-31,1,1
            AG5,P1,2026-04-01,2026-03-31,1,1

            """
        do {
            _ = try Self.parse(text)
            Issue.record("expected a refusal")
        } catch {
            guard case .invalidInput(let problems) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(
                problems.map(\.description) == [
                    "ledger.csv:3: period_start: \"2026-02-30\" is not a date YYYY-MM-DD in 1900...2999",
                    "ledger.csv:4: accrued: \"1.005\" has more than 2 decimal places: not money of this currency",
                    "ledger.csv:5: agreement_id: agreement \"AG1\" period 2026-01-01..2026-03-31 repeats line 2",
                    "ledger.csv:6: accrued: \"1e3\" is not money (a plain decimal)",
                    "ledger.csv:6: paid: \"x\" is not money (a plain decimal)",
                    "ledger.csv:7: agreement_id: empty id",
                    "ledger.csv:8: period_end: 2026-03-31 is before period_start 2026-04-01",
                ])
            #expect(error.exitCode == 2)
        }
    }

    @Test func aMissingColumnAndAnotherCurrencyScaleAreRefused() throws {
        #expect(throws: RebateError.self) { try Self.parse("agreement_id,period_start,period_end,accrued,paid\n") }
        #expect(throws: RebateError.self) {
            try Self.parse(
                "agreement_id,beneficiary,period_start,period_end,accrued,paid\nA,P,2026-01-01,2026-01-31,1.00,0.00\n",
                decimals: 0)
        }
        let ok = try Self.parse(
            "paid,accrued,period_end,period_start,beneficiary,agreement_id,note\n-1.5,12,2026-01-31,2026-01-01,P,A,x\n")
        #expect(
            ok == [
                LedgerRow(
                    agreementID: "A", beneficiary: "P", periodStart: CivilDate("2026-01-01")!,
                    periodEnd: CivilDate("2026-01-31")!, accrued: 12_00, paid: -1_50)
            ])
    }
}
