import Foundation
import Testing

@testable import RebateEngine

/// SPEC v3 section 12: claims, with every figure worked out by hand.
@Suite struct ClaimsTests {
    /// ONC pays 1.00 a unit of B to P1 each quarter, on claim; AG1 (the same, but paid automatically) runs the term.
    static let agreements = [
        Fixture.agreement(
            id: "ONC", tiers: #"[{"from": "0", "per_unit": "1"}]"#,
            extra: #""settlement": "quarter", "payment": "on_claim""#),
        Fixture.agreement(id: "AG1", tiers: #"[{"from": "0", "per_unit": "1"}]"#),
    ]

    static let claimsFile = """
        claim_id,beneficiary,agreement_id,period_start,period_end,submitted,amount,note
        C1,P1,ONC,2026-01-01,2026-03-31,2026-04-05,60.00,first
        C2,P1,ONC,2026-01-01,2026-03-31,2026-04-01,50.00,submitted earlier but received later
        C3,P1,ONC,2026-01-01,2026-03-31,2026-04-11,10.00,
        C1,P1,ONC,2026-01-01,2026-03-31,2026-04-12,60.00,the same claim again
        C4,P2,ONC,2026-01-01,2026-03-31,2026-04-12,5.00,
        C5,P1,NOPE,2026-01-01,2026-03-31,2026-04-12,5.00,
        C6,P1,AG1,2026-01-01,2026-12-31,2026-04-12,5.00,
        C7,P1,ONC,2026-01-01,2026-02-28,2026-04-12,5.00,
        C8,P1,ONC,2026-04-01,2026-06-30,2026-04-20,5.00,
        C9,P1,ONC,2026-01-01,2026-03-31,2026-05-02,5.00,received in May

        """

    static func claims() throws -> [Claim] {
        let bytes = Array(claimsFile.utf8)
        return try bytes.withUnsafeBufferPointer { b throws(RebateError) in
            try ClaimsFile.parse(b, fileName: "claims.csv", decimals: 2)
        }
    }

    static func close(_ lines: [String], _ month: String, ledger: [LedgerRow] = []) throws -> MonthEndClose {
        try MonthEndClose.run(
            CloseTests.dataset(lines, agreements: agreements), month: CivilDate(month + "-01")!, ledger: ledger,
            claims: try claims(), options: AccrualOptions(threads: 2))
    }

    @Test func claimsAreDecidedInFileOrderAndALateCreditNoteClawsBack() throws {
        // Q1: 100 units x 1.00 = 100.00 earned.
        var lines = ["2026-01-10,P1,B,100,1000.00"]
        let apr = try Self.close(lines, "2026-04")
        // C1 takes 60.00, C2 the 40.00 left (partly: file order, whatever its submitted date), C3 nothing.
        #expect(
            CloseTests.text(apr.claims!.csv(decimals: 2)) == [
                "C1,P1,ONC,2026-01-01,2026-03-31,2026-04-05,60.00,100.00,60.00,approved,",
                "C1,P1,ONC,2026-01-01,2026-03-31,2026-04-12,60.00,100.00,0.00,rejected,duplicate claim",
                "C2,P1,ONC,2026-01-01,2026-03-31,2026-04-01,50.00,100.00,40.00,partly approved,exceeds what is left",
                "C3,P1,ONC,2026-01-01,2026-03-31,2026-04-11,10.00,100.00,0.00,rejected,nothing left to claim",
                "C4,P2,ONC,2026-01-01,2026-03-31,2026-04-12,5.00,100.00,0.00,rejected,not the beneficiary",
                "C5,P1,NOPE,2026-01-01,2026-03-31,2026-04-12,5.00,,0.00,rejected,unknown agreement",
                "C6,P1,AG1,2026-01-01,2026-12-31,2026-04-12,5.00,,0.00,rejected,paid automatically",
                "C7,P1,ONC,2026-01-01,2026-02-28,2026-04-12,5.00,,0.00,rejected,no such period",
                "C8,P1,ONC,2026-04-01,2026-06-30,2026-04-20,5.00,,0.00,rejected,period not ended",
            ])
        #expect(apr.claims!.notYetReceived == 1)
        #expect(apr.claims!.totals(.approved).count == 1 && apr.claims!.totals(.partlyApproved).count == 1)
        #expect(apr.claims!.totals(.rejected).count == 7)
        // Paid what was approved: 60.00 + 40.00.
        #expect(CloseTests.text(apr.paymentsCSV()) == ["P1,ONC,2026-01-01,2026-03-31,100.00,0.00,100.00"])
        #expect(
            CloseTests.text(apr.ledgerCSV()).contains("ONC,P1,2026-01-01,2026-03-31,100.00,100.00"))
        // Claims passing step 1 ask 60 + 50 + 10 = 120.00 of the 100.00 earned.
        let over = apr.report.anomalies.filter { $0.kind == .overClaim }
        #expect(over.map(\.detail) == ["claimed 120.00, earned 100.00"])
        #expect(over.map(\.agreementID) == ["ONC"])

        // A late credit note of 30 units lowers Q1 to 70.00: C1 keeps 60.00, C2 gets 10.00, C9 (now
        // received) nothing; 30.00 is clawed back and the accrual reversed by as much.
        lines.append("2026-03-20,P1,B,-30,-300.00")
        let may = try Self.close(lines, "2026-05", ledger: apr.ledger)
        let decided = CloseTests.text(may.claims!.csv(decimals: 2))
        #expect(
            decided.contains(
                "C2,P1,ONC,2026-01-01,2026-03-31,2026-04-01,50.00,70.00,10.00,partly approved,exceeds what is left"))
        #expect(
            decided.contains(
                "C9,P1,ONC,2026-01-01,2026-03-31,2026-05-02,5.00,70.00,0.00,rejected,nothing left to claim"))
        #expect(CloseTests.text(may.paymentsCSV()) == ["P1,ONC,2026-01-01,2026-03-31,70.00,100.00,-30.00"])
        #expect(
            CloseTests.text(may.journalCSV()).filter { $0.contains(",ONC,") && $0.contains("2026-03-31") } == [
                "2026-05-31,ONC,P1,2026-01-01,2026-03-31,accrual,accrued_rebates,rebate_expense,30.00",
                "2026-05-31,ONC,P1,2026-01-01,2026-03-31,settlement,rebates_payable,accrued_rebates,30.00",
            ])
        // Closing again with the ledger just written and the same claims books nothing.
        let again = try Self.close(lines, "2026-05", ledger: may.ledger)
        #expect(again.journal.isEmpty && again.payments.isEmpty)
    }

    /// Without claims an on_claim period is not paid: what it earned stays a liability.
    /// The order of `claims.csv` and the duplicates, from the prefix-keyed sort, against a simple
    /// path: a stable sort of the ids' bytes. Ids share long prefixes, differ past 16 bytes, hold
    /// zero bytes, differ only in length, and hold composed and decomposed accents (canonically
    /// equal as `String`s, different as bytes: different ids).
    @Test func claimIDsAreOrderedBytewiseAndRepeatsFoundLikeASimpleSort() {
        var rng = SplitMix(seed: 7)
        let stems = [
            "", "C", "C0", "CLAIM-2026-Q1-PARTNER-", "CLAIM-2026-Q1-PARTNER-X", "caf\u{E9}", "cafe\u{301}", "A\u{0}B",
        ]
        var ids: [String] = []
        for _ in 0..<3000 {
            let stem = stems[Int(rng.next() % UInt64(stems.count))]
            let tail = rng.next() % 3 == 0 ? "" : String(rng.next() % 40)
            ids.append(stem + tail)
        }
        let expected = ids.indices.sorted { a, b in
            let x = Array(ids[a].utf8)
            let y = Array(ids[b].utf8)
            return x != y ? x.lexicographicallyPrecedes(y) : a < b
        }
        let order = Bytewise.stableOrder(ids)
        #expect(order.map(\.index) == expected)
        for k in order.indices {
            let repeats = k > 0 && Array(ids[expected[k]].utf8) == Array(ids[expected[k - 1]].utf8)
            #expect(order[k].repeatsPrevious == repeats, "\(ids[expected[k]])")
        }
    }

    @Test func anOnClaimPeriodWithoutClaimsIsNotPaid() throws {
        let d = CloseTests.dataset(["2026-01-10,P1,B,100,1000.00"], agreements: Self.agreements)
        let apr = try MonthEndClose.run(d, month: CivilDate("2026-04-01")!, ledger: [], options: AccrualOptions())
        #expect(CloseTests.text(apr.ledgerCSV()).contains("ONC,P1,2026-01-01,2026-03-31,100.00,0.00"))
        #expect(apr.payments.allSatisfy { $0.agreementID != "ONC" })
        #expect(apr.claims == nil)
    }

    /// A bad claims file is refused whole, every bad row named with its line and column.
    @Test func everyBadClaimRowIsReportedAtOnce() {
        let text = """
            claim_id,beneficiary,agreement_id,period_start,period_end,submitted,amount
            ,P1,ONC,2026-01-01,2026-03-31,2026-04-05,60.00
            C2,P1,ONC,2026-01-01,2026-03-31,2026-13-01,60.00
            C3,P1,ONC,2026-01-01,2026-03-31,2026-04-05,0.00
            C4,P1,ONC,2026-01-01,2026-03-31,2026-04-05,-1.00
            C5,P1,ONC,2026-01-01,2026-03-31,2026-04-05,1.001
            C6,P1,ONC,2026-01-01,2026-03-31,2026-04-05,abc

            """
        var problems: [String] = []
        do {
            _ = try Array(text.utf8).withUnsafeBufferPointer { b throws(RebateError) in
                try ClaimsFile.parse(b, fileName: "claims.csv", decimals: 2)
            }
        } catch {
            if case .invalidInput(let p) = error { problems = p.map(\.description) }
        }
        let expected = [
            "claims.csv:2: claim_id: empty id",
            "claims.csv:3: submitted: \"2026-13-01\" is not a date",
            "claims.csv:4: amount: \"0.00\" must be more than 0",
            "claims.csv:5: amount: \"-1.00\" must be more than 0",
            "claims.csv:6: amount: \"1.001\" has more than 2 decimal places",
            "claims.csv:7: amount: \"abc\" is not money",
        ]
        #expect(problems.count == expected.count, "\(problems)")
        for e in expected { #expect(problems.contains { $0.hasPrefix(e) }, "missing \(e) in \(problems)") }
        let missing = "claim_id,beneficiary,agreement_id,period_start,period_end,amount\n"
        #expect(throws: RebateError.self) {
            _ = try Array(missing.utf8).withUnsafeBufferPointer { b throws(RebateError) in
                try ClaimsFile.parse(b, fileName: "claims.csv", decimals: 2)
            }
        }
    }

    /// A bad `payment` value is an agreements error with its path.
    @Test func aBadPaymentIsRefused() {
        let json = Fixture.agreements([
            Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#, extra: #""payment": "on_demand""#)
        ])
        let dir = Fixture.folder(agreements: json, transactions: Fixture.lines(["2026-01-10,P1,B,1,1.00"]))
        do {
            _ = try Fixture.load(dir)
            Issue.record("accepted a bad payment")
        } catch {
            guard case .invalidInput(let p) = error else { return }
            #expect(
                p.contains {
                    $0.description.hasPrefix("agreements.json: agreements[0].payment: \"on_demand\" is not one of")
                })
        }
    }
}
