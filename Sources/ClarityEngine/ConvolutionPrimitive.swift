import CDNNL

/// Builds one oneDNN convolution or deconvolution with `format_tag any` on every tensor
/// (oneDNN picks its blocked layouts), activation fused as an eltwise post-op and a
/// residual fused as a sum post-op (order: activation, then sum, as the model format says).
struct ConvolutionPrimitive {
    let primitive: DNNLPrimitive
    let srcDesc: dnnl_memory_desc_t
    let weightsDesc: dnnl_memory_desc_t
    let dstDesc: dnnl_memory_desc_t

    /// Data types and int8 scales of one build.
    struct Types {
        var src: dnnl_data_type_t
        var weights: dnnl_data_type_t
        var dst: dnnl_data_type_t
        /// Per-output-channel output scales (int8), nil for float.
        var outputScales: [Float]? = nil
        /// Scale applied after the activation (int8 requantization of a non-homogeneous one).
        var activationScale: Float = 1
        var sumScale: Float = 1
        /// Add the residual as a binary post-op reading this layout (instead of a sum post-op
        /// on the destination): oneDNN 2.6's AVX2 fp32 kernel has no "eltwise then sum" but
        /// does have "eltwise then binary add".
        var residualAsBinary: dnnl_memory_desc_t? = nil
    }

    /// Post-op index of the residual's binary add (after the activation, if any).
    static func residualPostOpIndex(_ c: Layer.Convolution) -> Int32 { c.activation == nil ? 0 : 1 }

    init(_ c: Layer.Convolution, transposed: Bool, batch: Int, input: ModelGraph.Shape, output: ModelGraph.Shape,
         types: Types) throws {
        let g = c.groups
        var src = try MemoryDesc.make([batch, c.inChannels, input.h, input.w], types.src, dnnl_format_tag_any)
        var dst = try MemoryDesc.make([batch, c.outChannels, output.h, output.w], types.dst, dnnl_format_tag_any)
        let wdims = g == 1 ? [c.outChannels, c.inChannels, c.kernel.h, c.kernel.w]
                           : [g, c.outChannels / g, c.inChannels / g, c.kernel.h, c.kernel.w]
        var wei = try MemoryDesc.make(wdims, types.weights, dnnl_format_tag_any)
        var bias = try MemoryDesc.make([c.outChannels], dnnl_f32, dnnl_x)
        let strides: [Int64] = [Int64(c.stride.h), Int64(c.stride.w)]
        let pad: [Int64] = [Int64(c.padding.h), Int64(c.padding.w)]
        // PyTorch pads both sides equally; oneDNN wants the right pad that yields `output`.
        let padR: [Int64] = transposed ? [0, 0] : [
            Int64((output.h - 1) * c.stride.h + c.kernel.h - input.h - c.padding.h),
            Int64((output.w - 1) * c.stride.w + c.kernel.w - input.w - c.padding.w),
        ]

        let attr = try DNNLAttributes()
        if let s = types.outputScales { try attr.setOutputScales(s, mask: 1 << 1) }
        if c.activation != nil || c.residual != nil {
            try attr.setPostOps { ops in
                if let a = c.activation?.dnnl {
                    try dnnlCheck(dnnl_post_ops_append_eltwise(ops, types.activationScale, a.alg, a.alpha, 0), "eltwise post-op")
                }
                if c.residual != nil {
                    if var r = types.residualAsBinary {
                        try dnnlCheck(dnnl_post_ops_append_binary(ops, dnnl_binary_add, &r), "binary add post-op")
                    } else {
                        try dnnlCheck(dnnl_post_ops_append_sum(ops, types.sumScale), "sum post-op")
                    }
                }
            }
        }

        var pd: dnnl_primitive_desc_t?
        let engine = DNNLContext.shared.engine
        try withUnsafeMutablePointer(to: &bias) { biasDesc in
        let biasPtr = c.bias ? biasDesc : nil
        if transposed {
            var d = dnnl_deconvolution_desc_t()
            try dnnlCheck(dnnl_deconvolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_deconvolution_direct,
                                                              &src, &wei, biasPtr, &dst, strides, pad, padR),
                          "deconvolution descriptor")
            try dnnlCheck(dnnl_primitive_desc_create(&pd, &d, attr.attr, engine, nil), "deconvolution primitive descriptor")
        } else {
            var d = dnnl_convolution_desc_t()
            try dnnlCheck(dnnl_convolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_convolution_direct,
                                                            &src, &wei, biasPtr, &dst, strides, pad, padR),
                          "convolution descriptor")
            try dnnlCheck(dnnl_primitive_desc_create(&pd, &d, attr.attr, engine, nil), "convolution primitive descriptor")
        }
        }
        srcDesc = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0).pointee
        weightsDesc = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0).pointee
        dstDesc = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0).pointee
        primitive = try DNNLPrimitive(pd: pd!)
    }
}
