import CSHA256

/// SHA-256 (FIPS 180-4), for fingerprints of inputs such as mapping profiles.
///
/// Padding and buffering are done here; the block compression is the `CSHA256` C target, which
/// uses the Intel SHA extensions when the CPU has them and portable C otherwise.
///
/// Not constant-time and not meant for secrets; it identifies files in run manifests and outputs.
public enum SHA256 {
  /// The lowercase hexadecimal SHA-256 digest of `bytes`.
  ///
  /// - Parameter bytes: The message.
  /// - Returns: 64 lowercase hex digits.
  public static func hex(_ bytes: some Sequence<UInt8>) -> String {
    var hasher = Hasher()
    hasher.update(bytes)
    return hexString(hasher.finalize())
  }

  /// The 32-byte SHA-256 digest of `bytes`.
  public static func digest(_ bytes: some Sequence<UInt8>) -> [UInt8] {
    var hasher = Hasher()
    hasher.update(bytes)
    return hasher.finalize()
  }

  /// Lowercase hex of `bytes`.
  public static func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// An incremental SHA-256: feed bytes with ``update(_:)`` in any chunks, then ``finalize()``.
  public struct Hasher: Sendable {
    /// The eight-word hash value H0...H7, in order (fixed-size storage: no heap allocation).
    private typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    /// One 64-byte message block.
    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// Which compression function a hasher calls.
    enum Backend: Sendable {
      /// SHA-NI when the CPU has it, else portable C.
      case automatic
      /// Always the portable C implementation (for tests comparing the two).
      case portable
    }

    private var state: State = (
      0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
      0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    /// The bytes of an incomplete block; the first `buffered` are valid.
    private var buffer: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    private var buffered = 0
    private var length: UInt64 = 0
    private let backend: Backend

    /// A hasher with the initial hash value.
    public init() {
      backend = .automatic
    }

    /// A hasher that compresses with `backend`.
    init(backend: Backend) {
      self.backend = backend
    }

    /// Appends `bytes` to the message.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
      let handled: Void? = bytes.withContiguousStorageIfAvailable {
        update(UnsafeRawBufferPointer($0))
      }
      if handled == nil {
        let copy = Array(bytes)
        copy.withUnsafeBytes { update($0) }
      }
    }

    /// Appends the bytes in `bytes` to the message. Whole 64-byte blocks are compressed straight
    /// from `bytes`, all in one call; only a trailing partial block is copied.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
      guard var next = bytes.baseAddress, !bytes.isEmpty else { return }
      var remaining = bytes.count
      length &+= UInt64(remaining)
      if buffered > 0 {
        let take = min(64 - buffered, remaining)
        let offset = buffered
        withUnsafeMutableBytes(of: &buffer) { block in
          (block.baseAddress! + offset).copyMemory(from: next, byteCount: take)
        }
        buffered += take
        next += take
        remaining -= take
        guard buffered == 64 else { return }
        compressBuffer()
        buffered = 0
      }
      let blocks = remaining / 64
      if blocks > 0 {
        compress(next, blocks: blocks)
        next += blocks * 64
        remaining -= blocks * 64
      }
      if remaining > 0 {
        withUnsafeMutableBytes(of: &buffer) { block in
          block.baseAddress!.copyMemory(from: next, byteCount: remaining)
        }
        buffered = remaining
      }
    }

    /// Pads the message and returns the 32-byte digest. The hasher should not be used afterwards.
    public mutating func finalize() -> [UInt8] {
      let bitLength = length &* 8
      let used = buffered
      var block = buffer
      withUnsafeMutableBytes(of: &block) { block in
        block[used] = 0x80
        var end = used + 1
        if end > 56 {
          for i in end..<64 { block[i] = 0 }
          compress(UnsafeRawPointer(block.baseAddress!), blocks: 1)
          end = 0
        }
        for i in end..<56 { block[i] = 0 }
        block.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
        compress(UnsafeRawPointer(block.baseAddress!), blocks: 1)
      }
      buffered = 0
      let words = state
      return [UInt8](unsafeUninitializedCapacity: 32) { digest, count in
        withUnsafeBytes(of: words) { raw in
          for i in 0..<8 {
            let word = raw.load(fromByteOffset: 4 * i, as: UInt32.self)
            digest[4 * i] = UInt8(truncatingIfNeeded: word >> 24)
            digest[4 * i + 1] = UInt8(truncatingIfNeeded: word >> 16)
            digest[4 * i + 2] = UInt8(truncatingIfNeeded: word >> 8)
            digest[4 * i + 3] = UInt8(truncatingIfNeeded: word)
          }
        }
        count = 32
      }
    }

    /// Compresses the full 64-byte `buffer`.
    private mutating func compressBuffer() {
      var block = buffer
      withUnsafeBytes(of: &block) { compress($0.baseAddress!, blocks: 1) }
    }

    /// Compresses `blocks` consecutive 64-byte blocks at `start` into `state`.
    private mutating func compress(_ start: UnsafeRawPointer, blocks: Int) {
      let portable = backend == .portable
      let bytes = start.assumingMemoryBound(to: UInt8.self)
      withUnsafeMutablePointer(to: &state) { state in
        let words = UnsafeMutableRawPointer(state).assumingMemoryBound(to: UInt32.self)
        if portable {
          csha256_compress_portable(words, bytes, blocks)
        } else {
          csha256_compress(words, bytes, blocks)
        }
      }
    }
  }
}
