/// Which shard of a split a dataset is (SPEC section 9): written by `rebate split` as `shard.json`
/// in each shard, carried into the summary of every run on it, and checked by `rebate merge`.
public struct ShardIdentity: Hashable, Sendable {
    /// The split's fingerprint: the same for every shard of one split, different for another.
    public var split: String
    /// This shard's index, `0..<count`.
    public var index: Int
    /// How many shards the split wrote.
    public var count: Int
    /// A fingerprint of this shard's `agreements.json`, partners and products as split wrote them.
    public var inputs: String
    /// The same fingerprint of the files a run read (`nil` in `shard.json`): `merge` refuses a shard
    /// whose files changed after the split.
    public var inputsRead: String?

    /// Creates an identity.
    public init(split: String, index: Int, count: Int, inputs: String) {
        self.split = split
        self.index = index
        self.count = count
        self.inputs = inputs
    }

    /// The identity of shard `index` of `count`, fingerprinting the three files as written into it.
    public init(split: String, index: Int, count: Int, partners: [UInt8], products: [UInt8], agreements: [UInt8]) {
        self.init(
            split: split, index: index, count: count,
            inputs: Fingerprint.shardInputs(partners: partners, products: products, agreements: agreements))
    }

    /// `shard.json` as written into a shard.
    public var fileBytes: [UInt8] { Array((json + "\n").utf8) }

    /// The file name inside a shard.
    public static let fileName = "shard.json"

    /// The JSON object, as in `shard.json` and `summary.json`.
    var json: String {
        "{\"split\": \(JSONText.string(split)), \"index\": \(index), \"count\": \(count), \"inputs\": \(JSONText.string(inputs))"
            + (inputsRead.map { ", \"inputs_read\": \(JSONText.string($0))" } ?? "") + "}"
    }

    /// Reads the object `json` writes; `nil` when it is not one.
    init?(_ value: JSONValue) {
        guard case .string(let split)? = value["split"], case .number(let i)? = value["index"],
            case .number(let n)? = value["count"], case .string(let inputs)? = value["inputs"], let index = Int(i),
            let count = Int(n), count > 0, (0..<count).contains(index)
        else { return nil }
        self.init(split: split, index: index, count: count, inputs: inputs)
        if case .string(let read)? = value["inputs_read"] { inputsRead = read }
    }
}
