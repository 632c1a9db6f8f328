"""The data keys' life: adding a key and re-encrypting everything under the newest one."""
