import CLRPHeader

// Ties every @_cdecl export to its prototype in include/lrp.h: the two function types must be identical,
// or this file does not compile. Add a line here for every new export.

@inline(__always) private func same<T>(_: T.Type, _: T.Type) {}

private func checkSignatures() {
    same(type(of: CLRPHeader.lrp_version), type(of: LRPExports.lrp_version))
    same(type(of: CLRPHeader.lrp_last_error), type(of: LRPExports.lrp_last_error))
    same(type(of: CLRPHeader.lrp_model_read), type(of: LRPExports.lrp_model_read))
    same(type(of: CLRPHeader.lrp_model_write), type(of: LRPExports.lrp_model_write))
    same(type(of: CLRPHeader.lrp_model_free), type(of: LRPExports.lrp_model_free))
    same(type(of: CLRPHeader.lrp_model_layer_count), type(of: LRPExports.lrp_model_layer_count))
    same(type(of: CLRPHeader.lrp_model_layer_describe), type(of: LRPExports.lrp_model_layer_describe))
    same(type(of: CLRPHeader.lrp_model_output_shape), type(of: LRPExports.lrp_model_output_shape))
    same(type(of: CLRPHeader.lrp_forward), type(of: LRPExports.lrp_forward))
    same(type(of: CLRPHeader.lrp_relevance), type(of: LRPExports.lrp_relevance))
    same(type(of: CLRPHeader.lrp_set_rule), type(of: LRPExports.lrp_set_rule))
    same(type(of: CLRPHeader.lrp_get_rule), type(of: LRPExports.lrp_get_rule))
    same(type(of: CLRPHeader.lrp_array_read), type(of: LRPExports.lrp_array_read))
    same(type(of: CLRPHeader.lrp_array_write), type(of: LRPExports.lrp_array_write))
    same(type(of: CLRPHeader.lrp_array_free), type(of: LRPExports.lrp_array_free))
    same(type(of: CLRPHeader.lrp_array_rank), type(of: LRPExports.lrp_array_rank))
    same(type(of: CLRPHeader.lrp_array_shape), type(of: LRPExports.lrp_array_shape))
    same(type(of: CLRPHeader.lrp_array_count), type(of: LRPExports.lrp_array_count))
    same(type(of: CLRPHeader.lrp_array_data), type(of: LRPExports.lrp_array_data))
    same(type(of: CLRPHeader.lrp_model_new), type(of: LRPExports.lrp_model_new))
    same(type(of: CLRPHeader.lrp_model_append), type(of: LRPExports.lrp_model_append))
    same(type(of: CLRPHeader.lrp_model_copy), type(of: LRPExports.lrp_model_copy))
    same(type(of: CLRPHeader.lrp_layer_parameter), type(of: LRPExports.lrp_layer_parameter))
    same(type(of: CLRPHeader.lrp_layer_set_parameter), type(of: LRPExports.lrp_layer_set_parameter))
    same(type(of: CLRPHeader.lrp_layer_forward), type(of: LRPExports.lrp_layer_forward))
    same(type(of: CLRPHeader.lrp_layer_relevance), type(of: LRPExports.lrp_layer_relevance))
    same(type(of: CLRPHeader.lrp_layer_output_shape), type(of: LRPExports.lrp_layer_output_shape))
    same(type(of: CLRPHeader.lrp_layer_trace_shape), type(of: LRPExports.lrp_layer_trace_shape))
    same(type(of: CLRPHeader.lrp_backward), type(of: LRPExports.lrp_backward))
    same(type(of: CLRPHeader.lrp_layer_backward), type(of: LRPExports.lrp_layer_backward))
    same(type(of: CLRPHeader.lrp_update), type(of: LRPExports.lrp_update))
    same(type(of: CLRPHeader.lrp_model_clean), type(of: LRPExports.lrp_model_clean))
    same(type(of: CLRPHeader.lrp_training_options_init), type(of: LRPExports.lrp_training_options_init))
    same(type(of: CLRPHeader.lrp_train), type(of: LRPExports.lrp_train))
    same(type(of: CLRPHeader.lrp_evaluate), type(of: LRPExports.lrp_evaluate))
    same(type(of: CLRPHeader.lrp_array_keys), type(of: LRPExports.lrp_array_keys))
    same(type(of: CLRPHeader.lrp_render_heatmap), type(of: LRPExports.lrp_render_heatmap))
    same(type(of: CLRPHeader.lrp_render_digit), type(of: LRPExports.lrp_render_digit))
    same(type(of: CLRPHeader.lrp_image_write), type(of: LRPExports.lrp_image_write))
    same(type(of: CLRPHeader.lrp_render_text), type(of: LRPExports.lrp_render_text))
}
