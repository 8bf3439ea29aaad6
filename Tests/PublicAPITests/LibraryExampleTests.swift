import RebateEngine
import Testing

/// The library as a back-office program sees it: no `@testable`, only the public API.
@Suite struct LibraryExampleTests {
    /// The README's example, built in memory (keep the two in step).
    static func readmeDataset() -> Dataset {
        var lines = TransactionColumns()
        lines.append(
            partner: 0, product: 0, date: CivilDate("2026-03-01")!, quantity: Quantity(units: 12),
            amount: Money("4500.00", decimals: 2)!)
        let agreement = Agreement(
            id: "VOL-1", program: .volume, beneficiary: .partner("P1"),
            start: CivilDate("2026-01-01")!, end: CivilDate("2026-12-31")!, settlement: .quarter,
            basis: .amount, valueKind: .percent,
            tiers: [
                Tier(from: Money(minorUnits: 0), value: .percent(Rate("1")!)),
                Tier(from: Money("10000.00", decimals: 2)!, value: .percent(Rate("2.5")!)),
            ])
        return Dataset(
            partners: [Partner(id: "P1", name: "Acme")],
            products: [Product(id: "SKU-1", name: "Hammer", category: "C1")],
            agreements: AgreementSet(currency: "EUR", decimals: 2, agreements: [agreement]),
            transactions: lines)
    }

    @Test func readmeExampleEarnsOnePercentInTheFirstQuarter() throws {
        let result = try AccrualEngine.run(Self.readmeDataset())
        // 4500.00 is below the 10000.00 threshold: tier 1, 1% = 45.00 in Q1, nothing after.
        #expect(result.settlements.map(\.earned.minorUnits) == [45_00, 0, 0, 0])
        #expect(
            result.settlements.map { $0.periodStart.description } == [
                "2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01",
            ])
        #expect(result.totalSettled.text(decimals: 2, currency: "EUR") == "45.00 EUR")
        let csv = String(decoding: result.settlementsCSV(), as: UTF8.self)
        #expect(csv.contains("VOL-1,volume,P1,2026-01-01,2026-03-31,12,4500.00,0,4500.00,1,45.00,,\n"))
    }

    /// The README's close example: 40.00 booked for Q1 before March; March ends the quarter at 45.00.
    @Test func readmeCloseExampleBooksTheRestAndSettles() throws {
        let booked = [
            LedgerRow(
                agreementID: "VOL-1", beneficiary: "P1", periodStart: CivilDate("2026-01-01")!,
                periodEnd: CivilDate("2026-03-31")!, accrued: Money(minorUnits: 40_00), paid: Money(minorUnits: 0))
        ]
        let march = try MonthEndClose.run(Self.readmeDataset(), month: CivilDate("2026-03-01")!, ledger: booked)
        #expect(march.journal.map(\.kind) == [.accrual, .settlement])
        #expect(march.journal.map(\.amount) == [Money(minorUnits: 5_00), Money(minorUnits: 45_00)])
        #expect(march.journal.map(\.debit) == ["rebate_expense", "accrued_rebates"])
        #expect(march.payments.map(\.amount.minorUnits) == [45_00])
        #expect(march.ledger.map(\.paid.minorUnits) == [45_00])
    }

    /// A growth agreement built in memory: Q1 2026 against Q1 2025, 2 % of the quarter from 10 % growth.
    @Test func aGrowthAgreementInMemory() throws {
        var lines = TransactionColumns()
        for (day, amount) in [("2025-03-01", "10000.00"), ("2026-03-01", "11500.00")] {
            lines.append(
                partner: 0, product: 0, date: CivilDate(day)!, quantity: Quantity(units: 1),
                amount: Money(amount, decimals: 2)!)
        }
        var growth = Agreement(
            id: "GRO-1", program: .volume, beneficiary: .partner("P1"), start: CivilDate("2026-01-01")!,
            end: CivilDate("2026-12-31")!, settlement: .quarter, basis: .amount, valueKind: .percent,
            tiers: [Tier(fromGrowth: Rate("10")!, value: .percent(Rate("2")!))])
        growth.growth = Growth(baseline: .priorYear, measure: .percent)
        // The same tiers over a fixed baseline of 20,000.00 a quarter: 11,500.00 is a fall, nothing earned.
        var fixed = growth
        fixed.id = "GRO-FIX"
        fixed.growth = Growth(baseline: .fixed(Money("20000.00", decimals: 2)!), measure: .percent)
        let dataset = Dataset(
            partners: [Partner(id: "P1", name: "Acme")],
            products: [Product(id: "SKU-1", name: "Hammer", category: "C1")],
            agreements: AgreementSet(currency: "EUR", decimals: 2, agreements: [growth, fixed]), transactions: lines)
        let result = try AccrualEngine.run(dataset)
        let q1 = try #require(result.settlements.first { $0.agreementID == "GRO-1" })
        // (11,500 - 10,000) / 10,000 = 15 %: tier 1, 2 % of 11,500.00 = 230.00.
        #expect(q1.earned == Money(minorUnits: 230_00))
        #expect(
            q1.growth
                == GrowthFigures(
                    baseline: Volume(Money(minorUnits: 10_000_00)), growth: .percent(tenThousandths: 15_0000),
                    measure: .percent))
        let fixedQ1 = try #require(result.settlements.first { $0.agreementID == "GRO-FIX" })
        // (11,500 - 20,000) / 20,000 = -42.5 %.
        #expect(fixedQ1.earned == .zero)
        #expect(
            fixedQ1.growth
                == GrowthFigures(
                    baseline: Volume(Money(minorUnits: 20_000_00)), growth: .percent(tenThousandths: -42_5000),
                    measure: .percent))
    }

    @Test func unitsCarryTheirScale() {
        #expect(Money("12.50", decimals: 2)?.minorUnits == 1250)
        #expect(Money("12.5", decimals: 0) == nil)
        #expect(Quantity("1.5")?.milliUnits == 1500)
        #expect(Quantity(units: 3).milliUnits == 3000)
        #expect(Rate("2.5")?.tenThousandths == 25_000)
        #expect(Rate("0.00001") == nil)
        // Sums of outputs are exact past Int64, and a volume says its unit.
        let big = Money(minorUnits: Int64.max) + Money(minorUnits: Int64.max)
        #expect(big.minorUnits == 2 * Int128(Int64.max))
        #expect(big.text(decimals: 2) == "184467440737095516.14")
        let units = Volume(Quantity("1.5")!)
        #expect(units.quantity == Quantity(milliUnits: 1500) && units.money == nil && units.text(decimals: 2) == "1.5")
        let money = Volume(Money(minorUnits: 1250))
        #expect(money.money == Money(minorUnits: 1250) && money.quantity == nil && money.text(decimals: 2) == "12.50")
        #expect(TierFigure.percent(tenThousandths: 125_000).text(decimals: 2) == "12.5")
    }

    /// Builds the README dataset, breaks it with `change`, and returns the error's problems.
    func problems(_ change: (inout Dataset) -> Void) -> [InputProblem]? {
        var dataset = Self.readmeDataset()
        change(&dataset)
        do {
            _ = try AccrualEngine.run(dataset)
            return nil
        } catch {
            guard case .invalidInput(let problems) = error else { return nil }
            return problems
        }
    }

    @Test func badIndicesAndValuesThrowInsteadOfTrapping() throws {
        let badPartner = problems {
            $0.transactions.append(
                partner: 7, product: 0, date: CivilDate("2026-03-02")!, quantity: Quantity(units: 1),
                amount: Money(minorUnits: 100))
        }
        #expect(badPartner?.map(\.description) == ["transactions:1: partner: index 7 is not in 0..<1"])
        let badProduct = problems {
            $0.transactions.append(
                partner: 0, product: -1, date: CivilDate("2026-03-02")!, quantity: Quantity(units: 1),
                amount: Money(minorUnits: 100))
        }
        #expect(badProduct?.first?.field == "product")
        let badDate = problems {
            $0.transactions.append(
                partner: 0, product: 0, date: CivilDate(dayNumber: 900_000), quantity: Quantity(units: 1),
                amount: Money(minorUnits: 100))
        }
        #expect(badDate?.first?.field == "date")
        let opposite = problems {
            $0.transactions.append(
                partner: 0, product: 0, date: CivilDate("2026-03-02")!, quantity: Quantity(units: 1),
                amount: Money(minorUnits: -100))
        }
        #expect(opposite?.first?.reason == "sign opposite to the quantity's")
        let mixed = problems {
            $0.agreements.agreements[0].tiers.append(
                Tier(from: Money("20000.00", decimals: 2)!, value: .fixed(Money(minorUnits: 500))))
        }
        #expect(mixed?.first?.field == "agreements[0].tiers[2]")
        let wrongScale = problems {
            $0.agreements.agreements[0].tiers[1] = Tier(from: Quantity(units: 10), value: .percent(Rate("2.5")!))
        }
        #expect(wrongScale?.first?.field == "agreements[0].tiers[1].from")
        let descending = problems { $0.agreements.agreements[0].tiers.swapAt(0, 1) }
        #expect(descending != nil)
        let decimals = problems { $0.agreements.decimals = 9 }
        #expect(decimals?.first?.field == "decimals")
    }

    /// The portal's entries and pages, and a gate's progress, from values (no folder).
    @Test func portalAndGatesFromValues() throws {
        var dataset = Self.readmeDataset()
        // A gate on a category nothing was bought in: tier 1 is reached, the rebate held back.
        dataset.agreements.agreements[0].gates = [
            Gate(scope: ProductScope(categories: ["C9"]), minimum: Quantity(units: 5))
        ]
        let report = try AccrualEngine.run(dataset, options: AccrualOptions(asOf: CivilDate("2026-03-15")))
        let row = try #require(report.statements.first)
        #expect(row.isHeldByGate && row.earnedToDate == .zero)
        #expect(row.gates.first?.missing.quantity == Quantity(units: 5) && row.gates.first?.isMet == false)
        let portal = PartnerPortal(report, dataset: dataset, ledger: nil)
        #expect(portal.entries.map(\.id) == ["P1"])
        #expect(portal.entries[0].page == "beneficiaries/" + PartnerPortal.pageName(id: "P1", isGroup: false))
        #expect(portal.page(portal.entries[0]).contains("still missing"))
        #expect(portal.indexHTML().contains("Acme"))
    }
}
