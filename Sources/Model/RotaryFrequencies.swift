// RoPE inverse frequencies: theta^(-2i/d) per rotated pair, adjusted for Llama 3 scaling
// (from config.json's parameters, or from the divisors a GGUF precomputed).

import Foundation

extension ModelConfig {
    public var ropeInverseFrequencies: [Float] {
        let half = headDim / 2
        var frequencies = (0 ..< half).map { i in 1 / pow(ropeTheta, Double(2 * i) / Double(headDim)) }
        if let scaling = ropeScaling {
            frequencies = frequencies.map { Self.llama3Scaled($0, scaling) }
        }
        var result = frequencies.map { Float($0) }
        if let factors = ropeFrequencyFactors, factors.count == half {
            for i in 0 ..< half { result[i] /= factors[i] }
        }
        return result
    }

    /// Llama 3.1's rule (transformers' _compute_llama3_parameters): long wavelengths are
    /// slowed by `factor`, short ones kept, and the band between blended smoothly.
    static func llama3Scaled(_ frequency: Double, _ s: Llama3RopeScaling) -> Double {
        let original = Double(s.originalContextLength)
        let lowFrequencyWavelength = original / s.lowFrequencyFactor
        let highFrequencyWavelength = original / s.highFrequencyFactor
        let wavelength = 2 * Double.pi / frequency
        if wavelength < highFrequencyWavelength { return frequency }
        if wavelength > lowFrequencyWavelength { return frequency / s.factor }
        let smooth = (original / wavelength - s.lowFrequencyFactor) / (s.highFrequencyFactor - s.lowFrequencyFactor)
        return (1 - smooth) * frequency / s.factor + smooth * frequency
    }
}
