package io.netkit.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test (class or method) that needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN). Without it the test is
 * skipped with the reason — except when the environment has {@code CI=true}: then it fails, so a CI run can
 * never pass by silently skipping the privileged tests.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(PrivilegedCondition.class)
public @interface Privileged {}
