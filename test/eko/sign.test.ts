import { test } from 'tap'
import { sign, signingKey } from '../../src/eko/sign.ts'

test('matches the known-answer vector of docs/eko.md §3', async (t) => {
  t.same(sign('test-access-key-123', 1700000000000), {
    'secret-key': '88lqTf9ew69XbVbeczjxVL8/B4vibfp1MvTi1mIj2Xo=',
    'secret-key-timestamp': '1700000000000'
  })
  t.same(sign(signingKey('test-access-key-123'), 1700000000000)['secret-key'], '88lqTf9ew69XbVbeczjxVL8/B4vibfp1MvTi1mIj2Xo=', 'with the key made once')
})

test('a different timestamp gives a different signature', async (t) => {
  t.not(sign('k', 1700000000000)['secret-key'], sign('k', 1700000000001)['secret-key'])
})
