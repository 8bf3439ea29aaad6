import Foundation
import Testing

@testable import RebateEngine

/// Builds dataset folders in a temporary directory and runs the engine on them.
enum Fixture {
    static let partners = """
        partner_id,name,group_id
        P1,Alpha,
        P2,Beta,G1
        P3,Gamma,G1
        P4,Delta,

        """

    static let products = """
        product_id,name,category,pallet_qty
        A,Widget,C1,10
        B,Gadget,C1,
        C,Gizmo,C2,2.5
        D,Doohickey,C3,

        """

    static func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "rebate-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes a dataset folder and returns its path.
    static func folder(
        partners: String = partners, products: String = products, agreements: String, transactions: String
    ) -> String {
        let dir = temporaryFolder()
        try! partners.write(toFile: dir + "/partners.csv", atomically: true, encoding: .utf8)
        try! products.write(toFile: dir + "/products.csv", atomically: true, encoding: .utf8)
        try! agreements.write(toFile: dir + "/agreements.json", atomically: true, encoding: .utf8)
        try! transactions.write(toFile: dir + "/transactions.csv", atomically: true, encoding: .utf8)
        return dir
    }

    /// `agreements.json` around the given agreement objects.
    static func agreements(_ items: [String], currency: String = "EUR", decimals: Int = 2) -> String {
        "{\"currency\": \"\(currency)\", \"decimals\": \(decimals), \"agreements\": [\n"
            + items.joined(separator: ",\n") + "\n]}"
    }

    /// One agreement object with sensible defaults; `extra` is spliced in as JSON members.
    static func agreement(
        id: String = "AG1", program: String = "volume", beneficiary: String = #"{"partner": "P1"}"#,
        start: String = "2026-01-01", end: String = "2026-12-31", basis: String = "quantity",
        tiers: String, extra: String = ""
    ) -> String {
        """
        {"id": "\(id)", "program": "\(program)", "beneficiary": \(beneficiary), "start": "\(start)", "end": "\(end)",
         "basis": "\(basis)", "tiers": \(tiers)\(extra.isEmpty ? "" : ", " + extra)}
        """
    }

    /// Transaction lines given as `date,partner,product,quantity,amount`; line ids are numbered.
    static func lines(_ rows: [String]) -> String {
        "line_id,date,partner_id,product_id,quantity,amount\n"
            + rows.enumerated().map { "L\($0.offset + 1),\($0.element)" }.joined(separator: "\n") + "\n"
    }

    static func load(_ dir: String) throws(RebateError) -> LoadedDataset {
        try DatasetLoader.load(folder: dir)
    }

    static func run(
        agreements: [String], lines: [String], asOf: String? = nil, threads: Int = 1, decimals: Int = 2,
        partners: String = partners, products: String = products
    ) throws -> AccrualReport {
        let dir = folder(
            partners: partners, products: products, agreements: Fixture.agreements(agreements, decimals: decimals),
            transactions: Fixture.lines(lines))
        let loaded = try load(dir)
        #expect(loaded.rejects.isEmpty, "fixture lines must all be accepted: \(loaded.rejects.map(\.reason))")
        return try AccrualEngine.run(
            loaded.dataset, options: AccrualOptions(asOf: asOf.map { CivilDate($0)! }, threads: threads))
    }

    /// Money text of the settlement of a period, e.g. `"12.50"`.
    static func earned(_ report: AccrualReport, _ id: String = "AG1", period: String) -> String? {
        report.settlements.first { $0.agreementID == id && $0.periodStart.description == period }
            .map { $0.earned.text(decimals: report.decimals) }
    }

    /// Money text of an agreement's accrued value in a month `YYYY-MM`.
    static func accrued(_ report: AccrualReport, _ id: String = "AG1", month: String) -> String? {
        report.accruals.first { $0.agreementID == id && $0.month.monthText == month }
            .map { $0.accruedToDate.text(decimals: report.decimals) }
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

// The tests write hand-worked amounts as integer literals of minor units (`230_00` is 230.00) and
// quantities as literals of thousandths, as SPEC section 1 scales them; the library itself keeps the
// scale in the name of every initializer.
extension Money: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self.init(minorUnits: value) }
}

extension Quantity: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self.init(milliUnits: value) }
}
