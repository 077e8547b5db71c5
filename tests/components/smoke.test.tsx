import { render, screen, fireEvent } from '@testing-library/react'
import { View, Button, Input, Text } from '@tarojs/components'
import Taro from '@tarojs/taro'

test('smoke', async () => {
  const onClick = jest.fn()
  const onInput = jest.fn()
  const { container } = render(<View><Text>你好</Text><Button id="b" onClick={onClick}>按钮</Button><Input id="i" onInput={(e) => onInput(e.detail.value)} /></View>)
  fireEvent.click(container.querySelector('#b')!)
  expect(onClick).toHaveBeenCalled()
  await new Promise((r) => setTimeout(r, 50))
  const inner = container.querySelector('#i input')
  console.log(container.innerHTML, typeof Taro.showModal, typeof Taro.requestSubscribeMessage)
  if (inner) { fireEvent.input(inner, { target: { value: 'abc' } }) }
  expect(screen.getByText('你好')).toBeTruthy()
  console.log(onInput.mock.calls)
})
