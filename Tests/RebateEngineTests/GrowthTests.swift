import Foundation
import Testing

@testable import RebateEngine

/// SPEC v3 section 10: growth rebates, every figure worked out by hand.
@Suite struct GrowthTests {
    /// The vendor's example: amount basis, percent growth, tiers from 10 -> 2 %, 15 -> 3 %, 20 -> 4 %.
    static let tiers =
        #"[{"from": "10", "percent": "2"}, {"from": "15", "percent": "3"}, {"from": "20", "percent": "4"}]"#

    static func agreement(
        _ growth: String, tiering: String = "retroactive", settlement: String = "quarter",
        beneficiary: String = #"{"partner": "P1"}"#, start: String = "2026-01-01", end: String = "2026-12-31",
        basis: String = "amount", tiers: String = tiers, accrual: String = "earned"
    ) -> String {
        Fixture.agreement(
            beneficiary: beneficiary, start: start, end: end, basis: basis, tiers: tiers,
            extra:
                #""settlement": "\#(settlement)", "tiering": "\#(tiering)", "accrual": "\#(accrual)", "growth": \#(growth)"#
        )
    }

    static func row(_ csv: [UInt8], _ prefix: String) -> String? {
        String(decoding: csv, as: UTF8.self).split(separator: "\n").map(String.init).first { $0.hasPrefix(prefix) }
    }

    /// SPEC section 10's worked example: baseline 2,000,000.00 for the quarter, 2,350,000.00 bought (g = 17.5).
    @Test(arguments: [
        (#"{"baseline": "2000000.00", "measure": "percent", "pays": "total"}"#, "retroactive", "70500.00"),
        (#"{"baseline": "2000000.00", "measure": "percent", "pays": "increment"}"#, "retroactive", "10500.00"),
        (#"{"baseline": "2000000.00", "measure": "percent"}"#, "incremental", "3500.00"),
    ])
    func theWorkedExample(_ growth: String, _ tiering: String, _ earned: String) throws {
        let r = try Fixture.run(
            agreements: [Self.agreement(growth, tiering: tiering)], lines: ["2026-02-10,P1,B,1,2350000.00"])
        #expect(Fixture.earned(r, period: "2026-01-01") == earned)
        // settlements.csv: tier 2 reached by g = 17.5; baseline and growth at the end.
        #expect(
            Self.row(r.settlementsCSV(), "AG1,volume,P1,2026-01-01,2026-03-31,")
                == "AG1,volume,P1,2026-01-01,2026-03-31,1,2350000.00,0,2350000.00,2,\(earned),2000000.00,17.5")
    }

    /// explain shows a fixed baseline's proration with the days elapsed: February of Q1 is 59 of
    /// 90 days, 2,000,000.00 x 59/90 = 1,311,111.11...; a baseline of 0 still shows its 59 days.
    @Test func explainShowsAFixedBaselinesDays() throws {
        for (baseline, expected) in [
            ("2000000.00", "2000000.00 x 59/90 days = 1311111.11"), ("0", "0.00 x 59/90 days = 0"),
        ] {
            let dir = Fixture.folder(
                agreements: Fixture.agreements([
                    Self.agreement(#"{"baseline": "\#(baseline)", "measure": "absolute"}"#)
                ]),
                transactions: Fixture.lines(["2026-02-10,P1,B,1,2350000.00"]))
            let text = try ExplainJob.run(
                dataset: dir, agreementID: "AG1", month: CivilDate("2026-02-01")!, asOf: nil
            ).text
            #expect(text.contains(expected), "\(text)")
        }
    }

    /// A fixed baseline is taken pro rata to the days elapsed: at 31 January 2,000,000.00 x 31/90 =
    /// 688,888.888... -> 688888.89, nothing bought yet, growth -100 %; at 28 February x 59/90 =
    /// 1,311,111.11, growth (2,350,000 - 1,311,111.11) / 1,311,111.11 = 79.23728... % -> 79.2373, tier 3
    /// (4 % of 2,350,000.00 = 94,000.00); at 31 March the full 2,000,000.00: 17.5 %, 70,500.00.
    @Test func aFixedBaselineIsProRata() throws {
        let r = try Fixture.run(
            agreements: [Self.agreement(#"{"baseline": "2000000.00", "measure": "percent"}"#)],
            lines: ["2026-02-10,P1,B,1,2350000.00"])
        let csv = r.accrualsCSV()
        #expect(
            Self.row(csv, "AG1,volume,P1,2026-01-01,2026-03-31,2026-01,")
                == "AG1,volume,P1,2026-01-01,2026-03-31,2026-01,0,0.00,0,0.00,0,0.00,0.00,688888.89,-100")
        #expect(
            Self.row(csv, "AG1,volume,P1,2026-01-01,2026-03-31,2026-02,")
                == "AG1,volume,P1,2026-01-01,2026-03-31,2026-02,1,2350000.00,0,2350000.00,3,94000.00,94000.00,1311111.11,79.2373"
        )
        #expect(
            Self.row(csv, "AG1,volume,P1,2026-01-01,2026-03-31,2026-03,")
                == "AG1,volume,P1,2026-01-01,2026-03-31,2026-03,1,2350000.00,0,2350000.00,2,70500.00,-23500.00,2000000.00,17.5"
        )
    }

    /// Prior year: the baseline is last year's basis of the same scope and partner, in the window
    /// [s', (d + 1)'): Q1 2026 compares with Q1 2025 (1,000.00); 1,200.00 is 20 % growth -> tier 3, 4 %.
    /// A 2024-12-31 line and a 2025-04-01 line fall outside the window.
    @Test func thePriorYearIsTheBaseline() throws {
        let r = try Fixture.run(
            agreements: [Self.agreement(#"{"over": "prior_year", "measure": "percent"}"#)],
            lines: [
                "2024-12-31,P1,B,1,500.00", "2025-01-01,P1,B,1,400.00", "2025-03-31,P1,B,1,600.00",
                "2025-04-01,P1,B,1,700.00", "2026-03-31,P1,B,1,1200.00", "2025-02-01,P4,B,1,900.00",
            ])
        #expect(Fixture.earned(r, period: "2026-01-01") == "48.00")
        #expect(
            Self.row(r.settlementsCSV(), "AG1,volume,P1,2026-01-01,")
                == "AG1,volume,P1,2026-01-01,2026-03-31,1,1200.00,0,1200.00,3,48.00,1000.00,20")
        // Q2 2026 has no lines: B = 0 against 700.00 is -100 %, nothing earned.
        #expect(Self.row(r.settlementsCSV(), "AG1,volume,P1,2026-04-01,")?.hasSuffix(",0,0.00,700.00,-100") == true)
    }

    /// Percent growth over a zero baseline is undefined: nothing earned, growth empty; a negative
    /// baseline (returns over purchases) counts as 0; absolute growth rewards the new partner: g = B.
    @Test func zeroAndNegativeBaselines() throws {
        let percent = try Fixture.run(
            agreements: [Self.agreement(#"{"over": "prior_year", "measure": "percent"}"#)],
            lines: ["2025-02-01,P1,B,-1,-50.00", "2026-02-01,P1,B,1,5000.00"])
        #expect(Fixture.earned(percent, period: "2026-01-01") == "0.00")
        #expect(
            Self.row(percent.settlementsCSV(), "AG1,volume,P1,2026-01-01,")
                == "AG1,volume,P1,2026-01-01,2026-03-31,1,5000.00,0,5000.00,0,0.00,0.00,")
        // Absolute, tiers from 1000.00 -> 1 %: 5,000.00 of growth over 0 reaches it: 50.00.
        let absolute = try Fixture.run(
            agreements: [
                Self.agreement(
                    #"{"over": "prior_year", "measure": "absolute"}"#, tiers: #"[{"from": "1000", "percent": "1"}]"#)
            ],
            lines: ["2026-02-01,P1,B,1,5000.00"])
        #expect(Fixture.earned(absolute, period: "2026-01-01") == "50.00")
        #expect(
            Self.row(absolute.settlementsCSV(), "AG1,volume,P1,2026-01-01,")?.hasSuffix(",1,50.00,0.00,5000.00") == true
        )
    }

    /// 29 February: a monthly 2028 agreement's February window is [2027-02-01, 2027-03-01), its March
    /// window [2027-03-01, 2027-04-01); in 2029 February's window [2028-02-01, 2028-03-01) holds 29
    /// February 2028. Absolute growth, quantity basis, tiers from 0 -> 1.00 a unit.
    @Test func februaryTheTwentyNinth() throws {
        let tiers = #"[{"from": "0", "per_unit": "1"}]"#
        let r2028 = try Fixture.run(
            agreements: [
                Self.agreement(
                    #"{"over": "prior_year", "measure": "absolute"}"#, settlement: "month", start: "2028-01-01",
                    end: "2028-12-31", basis: "quantity", tiers: tiers)
            ],
            lines: ["2027-02-28,P1,B,3,3.00", "2027-03-01,P1,B,5,5.00", "2028-02-29,P1,B,10,10.00"])
        #expect(Self.row(r2028.settlementsCSV(), "AG1,volume,P1,2028-02-01,")?.hasSuffix(",10.00,3,7") == true)
        #expect(Self.row(r2028.settlementsCSV(), "AG1,volume,P1,2028-03-01,")?.hasSuffix(",0.00,5,-5") == true)
        let r2029 = try Fixture.run(
            agreements: [
                Self.agreement(
                    #"{"over": "prior_year", "measure": "absolute"}"#, settlement: "month", start: "2029-01-01",
                    end: "2029-12-31", basis: "quantity", tiers: tiers)
            ],
            lines: ["2028-02-29,P1,B,4,4.00", "2028-03-01,P1,B,2,2.00", "2029-02-10,P1,B,6,6.00"])
        // February 2029: 6 units over 4 (29 February 2028 counts): growth 2, 6.00 earned (retroactive total).
        #expect(Self.row(r2029.settlementsCSV(), "AG1,volume,P1,2029-02-01,")?.hasSuffix(",6.00,4,2") == true)
        #expect(Self.row(r2029.settlementsCSV(), "AG1,volume,P1,2029-03-01,")?.hasSuffix(",0.00,2,-2") == true)
    }

    /// A group agreement counts its members' prior-year lines (P2 and P3 are G1).
    @Test func aGroupsMembersPriorYearCounts() throws {
        let r = try Fixture.run(
            agreements: [
                Self.agreement(#"{"over": "prior_year", "measure": "percent"}"#, beneficiary: #"{"group": "G1"}"#)
            ],
            lines: ["2025-01-10,P2,B,1,600.00", "2025-02-10,P3,B,1,400.00", "2026-01-10,P2,B,1,1150.00"])
        // 1,150.00 over 1,000.00: 15 % -> tier 2, 3 % = 34.50.
        #expect(
            Self.row(r.settlementsCSV(), "AG1,volume,G1,2026-01-01,")
                == "AG1,volume,G1,2026-01-01,2026-03-31,1,1150.00,0,1150.00,2,34.50,1000.00,15")
    }

    /// Forecast: at 31 January (31 of 90 days) 400.00 bought runs at 400 x 90/31 = 1,161.29 for the
    /// quarter against the whole prior quarter's 1,000.00: 16.129 % -> tier 2, 3 %; accrued 3 % of 400.00 = 12.00.
    @Test func forecastComparesTheRunRateWithTheWholePeriodsBaseline() throws {
        let r = try Fixture.run(
            agreements: [
                Self.agreement(#"{"over": "prior_year", "measure": "percent"}"#, accrual: "forecast")
            ],
            lines: ["2025-01-10,P1,B,1,1000.00", "2026-01-20,P1,B,1,400.00"], asOf: "2026-01-31")
        #expect(Fixture.accrued(r, month: "2026-01") == "12.00")
        // The statement: earned to date compares 400.00 with the window to 1 February 2025 (1,000.00): -60 %;
        // the next tier (10 %) needs 1,100.00 - 400.00 = 700.00 more; forecast at run-rate: 3 % of 1,161.29 = 34.84.
        #expect(
            Self.row(r.statementsCSV(), "P1,AG1,")
                == "P1,AG1,volume,2026-01-01,2026-03-31,2026-01-31,400.00,0,0.00,10,700.00,34.84,1000.00,-60")
    }

    @Test func badGrowthObjectsAreRefusedWithTheirPaths() {
        let bad = Fixture.agreements([
            Self.agreement(#"{"measure": "percent"}"#),
            Fixture.agreement(
                id: "AG2", basis: "amount", tiers: Self.tiers,
                extra: #""growth": {"over": "prior_year", "baseline": "1", "measure": "percent"}"#),
            Fixture.agreement(
                id: "AG3", basis: "amount", tiers: Self.tiers,
                extra:
                    #""tiering": "incremental", "growth": {"over": "prior_year", "measure": "percent", "pays": "total"}"#
            ),
            Fixture.agreement(
                id: "AG4", basis: "amount", tiers: Self.tiers,
                extra: #""settlement": "quarter", "growth": {"baseline": "1.001", "measure": "ratio"}"#),
            Fixture.agreement(
                id: "AG5", start: "2026-01-01", end: "2027-06-30", basis: "amount", tiers: Self.tiers,
                extra: #""growth": {"over": "prior_year", "measure": "percent"}"#),
            Fixture.agreement(
                id: "AG6", basis: "amount", tiers: #"[{"from": "10.00001", "percent": "2"}]"#,
                extra: #""settlement": "year", "growth": {"over": "prior_year", "measure": "percent", "pay": "total"}"#),
        ])
        let dir = Fixture.folder(agreements: bad, transactions: Fixture.lines(["2026-01-10,P1,B,1,1.00"]))
        var problems: [String] = []
        do { _ = try Fixture.load(dir) } catch {
            if case .invalidInput(let p) = error { problems = p.map(\.description) }
        }
        for e in [
            "agreements.json: agreements[0].growth: needs one of \"over\" or \"baseline\"",
            "agreements.json: agreements[1].growth: needs exactly one of \"over\" and \"baseline\"",
            "agreements.json: agreements[2].growth.pays: \"pays\" applies to retroactive tiers",
            "agreements.json: agreements[3].growth.baseline: \"1.001\" has more than 2 decimal places",
            "agreements.json: agreements[3].growth.measure: \"ratio\" is not one of",
            "agreements.json: agreements[4].settlement: a growth agreement's term is at most 366 days",
            "agreements.json: agreements[5].tiers[0].from: \"10.00001\" has more than 4 decimal places",
            "agreements.json: agreements[5].growth.pay: \"pay\" is not defined here (did you mean \"pays\"?)",
        ] {
            #expect(problems.contains { $0.hasPrefix(e) }, "missing \(e) in \(problems)")
        }
    }
}
