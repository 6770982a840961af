package dev.slipway.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The declaration of one operator setting, on the record component that holds its value: the
 * environment variable, how its value is read (the component's type, {@link #format}, the
 * bounds), its default, its documentation and the Helm value that sets it. {@link Settings} reads
 * every variable from these alone; the README's Configuration table is rendered from them and
 * {@code SettingsDeclarationsTest} fails when the README or the chart differs.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Env {

  /** The environment variable. */
  String value();

  /**
   * The default, written as the variable would be (parsed and checked like a value that is set);
   * empty: unset, which an {@code Optional} component holds as empty and any other as null (its
   * record then fills it in).
   */
  String defaultValue() default "";

  /** Another setting's variable whose value applies while this one is unset. */
  String orElse() default "";

  /** How a string value is read when its type alone does not say it. */
  Format format() default Format.PLAIN;

  /** Bounds of a number. */
  int min() default Integer.MIN_VALUE;

  int max() default Integer.MAX_VALUE;

  /** The shortest duration allowed, e.g. {@code 5s}; empty: any. */
  String atLeast() default "";

  /**
   * What the setting means (Markdown, the README's Meaning column); empty: documented in the row
   * of the setting declared just before it (variables that go together, such as requests and
   * limits).
   */
  String doc() default "";

  /** The README's Default column when {@link #defaultValue} alone does not say it. */
  String defaultDoc() default "";

  /** The chart's value that sets the variable, e.g. {@code registry.url}; empty: set by the chart without a value of its own. */
  String chart() default "";

  /** Never shown: not by {@code toString}, not in logs. */
  boolean secret() default false;
}
