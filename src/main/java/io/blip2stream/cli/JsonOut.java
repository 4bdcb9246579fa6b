package io.blip2stream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.Blip2Exception;

/** JSON output of the commands: one mapper, and the error object's shape. */
final class JsonOut {
    static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private JsonOut() {
    }

    /** {"code":"INVALID_IMAGE","id":"BLIP2-1002","message":"…","limit":…} */
    static ObjectNode error(Blip2Exception e) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("code", e.code().name());
        n.put("id", e.code().id());
        n.put("message", e.detail());
        e.limit().ifPresent(l -> n.put("limit", l));
        return n;
    }

    /** An error that is not a request's: a bundle that cannot be loaded, an I/O failure. */
    static ObjectNode error(String code, String message) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("code", code);
        n.put("message", message);
        return n;
    }

    static ObjectNode wrapError(ObjectNode error) {
        ObjectNode root = MAPPER.createObjectNode();
        root.set("error", error);
        return root;
    }

    static String write(Object node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
