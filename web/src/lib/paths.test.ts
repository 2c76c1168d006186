import { describe, expect, it } from 'vitest';
import { loginPath, safeNextPath } from './paths';

describe('safeNextPath', () => {
  it.each([
    ['/conta/sessoes', '/conta/sessoes'],
    ['/leads?stage=new#top', '/leads?stage=new#top'],
    [null, '/'],
    ['', '/'],
    ['https://evil.example/', '/'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/ok\nLocation: x', '/'],
    ['/entrar', '/'],
    ['/cadastro?next=/x', '/'],
  ])('%s -> %s', (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });
});

describe('loginPath', () => {
  it('adds ?next= only when useful', () => {
    expect(loginPath('/')).toBe('/entrar');
    expect(loginPath('/conta')).toBe('/entrar?next=%2Fconta');
    expect(loginPath('//evil')).toBe('/entrar');
  });
});
