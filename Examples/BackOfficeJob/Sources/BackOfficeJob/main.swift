import RebateEngine

#if canImport(Glibc)
import Glibc
#endif

// A nightly job's view of the library: values built in memory, one entry point. Every bad value
// below must come back as a thrown RebateError naming what is wrong; the process must not trap.

func dataset(_ change: (inout Dataset) -> Void = { _ in }) -> Dataset {
    var lines = TransactionColumns()
    lines.append(
        partner: 0, product: 0, date: CivilDate("2026-03-01")!, quantity: Quantity(units: 12),
        amount: Money("4500.00", decimals: 2)!)
    let agreement = Agreement(
        id: "VOL-1", program: .volume, beneficiary: .partner("P1"), start: CivilDate("2026-01-01")!,
        end: CivilDate("2026-12-31")!, settlement: .quarter, basis: .amount, valueKind: .percent,
        tiers: [
            Tier(from: Money(minorUnits: 0), value: .percent(Rate("1")!)),
            Tier(from: Money("10000.00", decimals: 2)!, value: .percent(Rate("2.5")!)),
        ])
    var d = Dataset(
        partners: [Partner(id: "P1", name: "Acme")], products: [Product(id: "SKU-1", name: "Hammer", category: "C1")],
        agreements: AgreementSet(currency: "EUR", decimals: 2, agreements: [agreement]), transactions: lines)
    change(&d)
    return d
}

let cases: [(String, Dataset)] = [
    (
        "partner index 5",
        dataset {
            $0.transactions.append(
                partner: 5, product: 0, date: CivilDate("2026-03-02")!, quantity: Quantity(units: 1),
                amount: Money(minorUnits: 100))
        }
    ),
    (
        "product index -1",
        dataset {
            $0.transactions.append(
                partner: 0, product: -1, date: CivilDate("2026-03-02")!, quantity: Quantity(units: 1),
                amount: Money(minorUnits: 100))
        }
    ),
    (
        "date out of range",
        dataset {
            $0.transactions.append(
                partner: 0, product: 0, date: CivilDate(dayNumber: 2_000_000), quantity: Quantity(units: 1),
                amount: Money(minorUnits: 100))
        }
    ),
    (
        "tiers out of order",
        dataset { $0.agreements.agreements[0].tiers.reverse() }
    ),
    (
        "mixed tier kinds",
        dataset {
            $0.agreements.agreements[0].tiers.append(
                Tier(from: Money(minorUnits: 2_000_000), value: .fixed(Money(minorUnits: 1))))
        }
    ),
    ("9 currency decimals", dataset { $0.agreements.decimals = 9 }),
]

var failures = 0
let good = try AccrualEngine.run(dataset())
print("good dataset: Q1 earned \(good.settlements[0].earned.text(decimals: 2, currency: "EUR"))")
for (name, d) in cases {
    do {
        _ = try AccrualEngine.run(d)
        print("NOT THROWN: \(name)")
        failures += 1
    } catch {
        print("thrown, exit code \(error.exitCode): \(name): \(error.description.split(separator: "\n").last ?? "")")
    }
}
exit(failures == 0 && good.settlements[0].earned == Money(minorUnits: 45_00) ? 0 : 1)
