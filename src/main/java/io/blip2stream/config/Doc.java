package io.blip2stream.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a setting of {@link Blip2Config} means, written once: src/docs/service.md's configuration
 * table is checked against these texts (ConfigTableTest prints the table to paste).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Doc {
    String value();
}
